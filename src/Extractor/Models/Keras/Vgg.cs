namespace OnnxTransfer.Extractor.Models.Keras;

/// <summary>
/// keras.applications.VGG16 and VGG19(include_top=False): 3x3 'same' Conv2D+ReLU blocks, each closed by 2x2/2 max
/// pooling; they differ only in the convolutions per block.
/// </summary>
internal static class Vgg
{
    private static readonly int[] Filters = [64, 128, 256, 512, 512];

    private static int[] Convs(KerasArch arch) => arch == KerasArch.Vgg16 ? [2, 2, 3, 3, 3] : [2, 2, 4, 4, 4];

    public static string Build(KerasGraph k, string image, KerasArch arch)
    {
        string x = k.CaffeInputLayer(image);
        int channels = 3;
        var convsPerBlock = Convs(arch);
        for (int block = 1; block <= Filters.Length; block++)
        {
            int convs = convsPerBlock[block - 1], filters = Filters[block - 1];
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
