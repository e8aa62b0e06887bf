namespace OnnxTransfer.Extractor.Models.Keras;

/// <summary>
/// keras.applications.MobileNetV2(include_top=False, alpha): Conv1 3x3/2 'same', 17 inverted residual
/// blocks (block 0 is "expanded_conv_" and has no expand conv), then Conv_1 1x1. Stride-2 blocks pad with
/// ZeroPadding2D(correct_pad(x, 3)) "block_N_pad" and use a 'valid' depthwise conv. Widths follow
/// _make_divisible(..., 8), so they are not simply alpha times the alpha 1.0 widths.
/// </summary>
internal static class MobileNetV2
{
    /// <summary>The alphas Keras publishes ImageNet weights for.</summary>
    public static readonly double[] Alphas = [0.35, 0.5, 0.75, 1.0, 1.3, 1.4];

    /// <summary>The input sizes Keras publishes weights for; any other size loads the 224 file.</summary>
    public static readonly int[] WeightSizes = [96, 128, 160, 192, 224];

    private static readonly (int Filters, int Stride, int Expansion)[] Blocks =
    [
        (16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6), (64, 1, 6),
        (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6),
    ];

    /// <summary>Conv_1's filters: 1280, widened only for alpha above 1.</summary>
    public static int OutputChannels(double alpha) => alpha > 1.0 ? MakeDivisible(1280 * alpha) : 1280;

    public static string Build(KerasGraph k, string image, double alpha)
    {
        string x = k.TfInputLayer(image);
        int channels = MakeDivisible(32 * alpha);
        x = k.Conv2D("Conv1", x, 3, channels, kernel: 3, stride: 2, same: true, bias: false, Act.None);
        x = k.BatchNormalization("bn_Conv1", x, channels);
        x = k.ReLU6("Conv1_relu", x);

        for (int id = 0; id < Blocks.Length; id++)
        {
            var (filters, stride, expansion) = Blocks[id];
            int outChannels = MakeDivisible((int)(filters * alpha));
            x = InvertedResBlock(k, x, id, channels, outChannels, stride, expansion);
            channels = outChannels;
        }

        int last = OutputChannels(alpha);
        x = k.Conv2D("Conv_1", x, channels, last, kernel: 1, stride: 1, same: false, bias: false, Act.None);
        x = k.BatchNormalization("Conv_1_bn", x, last);
        return k.ReLU6("out_relu", x);
    }

    private static string InvertedResBlock(KerasGraph k, string input, int id, int inChannels, int outChannels, int stride, int expansion)
    {
        string x = input, prefix = "expanded_conv_";
        int channels = inChannels;
        if (id != 0)
        {
            prefix = $"block_{id}_";
            channels = expansion * inChannels;
            x = k.Conv2D(prefix + "expand", x, inChannels, channels, kernel: 1, stride: 1, same: true, bias: false, Act.None);
            x = k.BatchNormalization(prefix + "expand_BN", x, channels);
            x = k.ReLU6(prefix + "expand_relu", x);
        }
        if (stride == 2) x = k.CorrectPad(prefix + "pad", x, 3);
        x = k.DepthwiseConv2D(prefix + "depthwise", x, channels, kernel: 3, stride, same: stride == 1);
        x = k.BatchNormalization(prefix + "depthwise_BN", x, channels);
        x = k.ReLU6(prefix + "depthwise_relu", x);
        x = k.Conv2D(prefix + "project", x, channels, outChannels, kernel: 1, stride: 1, same: true, bias: false, Act.None);
        x = k.BatchNormalization(prefix + "project_BN", x, outChannels);
        return inChannels == outChannels && stride == 1 ? k.Add(prefix + "add", input, x) : x;
    }

    /// <summary>Keras' _make_divisible(v, 8): round to the nearest multiple of 8 (at least 8), never more than 10 % down.</summary>
    private static int MakeDivisible(double v)
    {
        const int divisor = 8;
        int rounded = Math.Max(divisor, (int)(v + divisor / 2.0) / divisor * divisor);
        return rounded < 0.9 * v ? rounded + divisor : rounded;
    }
}
