namespace OnnxTransfer.Extractor.Models.Keras;

/// <summary>keras.applications.VGG19(include_top=False): 3x3 'same' Conv2D+ReLU blocks, each closed by 2x2/2 max pooling.</summary>
internal static class Vgg19
{
    private static readonly (int Convs, int Filters)[] Blocks = [(2, 64), (2, 128), (4, 256), (4, 512), (4, 512)];

    // Caffe-mode mean in BGR order, subtracted after swapping RGB to BGR.
    private static readonly float[] MeanBgr = [103.939f, 116.779f, 123.68f];

    public static string Build(KerasGraph k, string image)
    {
        var b = k.Builder;
        string nchw = b.Node("Transpose", [image], "preprocess/nchw", Onnx.Attr.Ints("perm", 0, 3, 1, 2));
        string order = b.InitializerInt64("preprocess/bgr_order", [2, 1, 0], 3);
        string bgr = b.Node("Gather", [nchw, order], "preprocess/bgr", Onnx.Attr.Int("axis", 1));
        string mean = b.Initializer("preprocess/mean_bgr", MeanBgr, 1, 3, 1, 1);
        string x = b.Node("Sub", [bgr, mean], KerasArchitecture.InputLayer);
        k.Record(KerasArchitecture.InputLayer, "InputLayer", 0);

        int channels = 3;
        for (int block = 1; block <= Blocks.Length; block++)
        {
            var (convs, filters) = Blocks[block - 1];
            for (int i = 1; i <= convs; i++)
            {
                x = k.Conv2D($"block{block}_conv{i}", x, channels, filters, kernel: 3, stride: 1, same: true, bias: true, Act.Relu);
                channels = filters;
            }
            x = k.MaxPooling2D($"block{block}_pool", x);
        }
        return x;
    }
}
