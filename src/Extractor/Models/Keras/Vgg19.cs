namespace OnnxTransfer.Extractor.Models.Keras;

/// <summary>keras.applications.VGG19(include_top=False): 3x3 'same' Conv2D+ReLU blocks, each closed by 2x2/2 max pooling.</summary>
internal static class Vgg19
{
    private static readonly (int Convs, int Filters)[] Blocks = [(2, 64), (2, 128), (4, 256), (4, 512), (4, 512)];

    public static string Build(KerasGraph k, string image)
    {
        string x = k.CaffeInputLayer(image);
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
