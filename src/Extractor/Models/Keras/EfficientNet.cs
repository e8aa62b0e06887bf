namespace OnnxTransfer.Extractor.Models.Keras;

/// <summary>
/// keras.applications.EfficientNetB0 to B7(include_top=False, weights="imagenet"). The model takes RGB 0-255:
/// rescaling (1/255), normalization (stored mean/variance) and, as current Keras adds for imagenet
/// weights, rescaling_1 (1/sqrt(ImageNet stddev)), because the stored "variance" holds standard
/// deviations (tensorflow issue 49930). Stride-2 convolutions pad with correct_pad and are 'valid'.
/// B1 to B7 are B0 scaled as Keras's efficientnet.py scales it: filters by the width coefficient, rounded to a
/// multiple of 8 (never more than 10 % down), and each stage's repeats by the depth coefficient, rounded up.
/// </summary>
internal static class EfficientNet
{
    private const double SeRatio = 0.25;

    /// <summary>(width, depth, Keras default input size) of B0..B7, from keras.applications.efficientnet.</summary>
    private static readonly (double Width, double Depth, int Size)[] Scaling =
        [(1.0, 1.0, 224), (1.0, 1.1, 240), (1.1, 1.2, 260), (1.2, 1.4, 300), (1.4, 1.8, 380), (1.6, 2.2, 456), (1.8, 2.6, 528), (2.0, 3.1, 600)];

    /// <summary>0 for B0 ... 7 for B7.</summary>
    public static int Variant(KerasArch arch) => arch switch
    {
        KerasArch.EfficientNetB0 => 0,
        >= KerasArch.EfficientNetB1 and <= KerasArch.EfficientNetB7 => arch - KerasArch.EfficientNetB1 + 1,
        _ => throw new ArgumentOutOfRangeException(nameof(arch), arch, null),
    };

    public static bool Is(KerasArch arch) => arch == KerasArch.EfficientNetB0 || arch is >= KerasArch.EfficientNetB1 and <= KerasArch.EfficientNetB7;

    public static int DefaultInputSize(KerasArch arch) => Scaling[Variant(arch)].Size;

    /// <summary>The top's channels: round_filters(1280).</summary>
    public static int TopChannels(KerasArch arch) => RoundFilters(1280, Scaling[Variant(arch)].Width);

    /// <summary>Keras's round_filters: filters x width to the nearest multiple of 8 (at least 8), one step up if that lost over 10 %.</summary>
    private static int RoundFilters(int filters, double width)
    {
        const int divisor = 8;
        double scaled = filters * width;
        int rounded = Math.Max(divisor, (int)(scaled + divisor / 2.0) / divisor * divisor);
        return rounded < 0.9 * scaled ? rounded + divisor : rounded;
    }

    private static int RoundRepeats(int repeats, double depth) => (int)Math.Ceiling(depth * repeats);

    private static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    private static readonly (int Kernel, int Repeats, int In, int Out, int Expand, int Stride)[] Blocks =
    [
        (3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2), (3, 3, 40, 80, 6, 2),
        (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2), (3, 1, 192, 320, 6, 1),
    ];

    public static string Build(KerasGraph k, string image, KerasArch arch)
    {
        var (width, depth, _) = Scaling[Variant(arch)];
        var b = k.Builder;
        string x = b.Node("Transpose", [image], KerasArchitecture.InputLayer, Onnx.Attr.Ints("perm", 0, 3, 1, 2));
        k.Record(KerasArchitecture.InputLayer, "InputLayer", 0);
        x = k.Rescaling("rescaling", x, [1f / 255f]);
        x = k.Normalization("normalization", x, 3);
        x = k.Rescaling("rescaling_1", x, ImageNetStd.Select(s => 1f / MathF.Sqrt(s)).ToArray());

        x = k.CorrectPad("stem_conv_pad", x, 3);
        int stem = RoundFilters(32, width);
        x = k.Conv2D("stem_conv", x, 3, stem, kernel: 3, stride: 2, same: false, bias: false, Act.None);
        x = k.BatchNormalization("stem_bn", x, stem);
        x = k.ActivationLayer("stem_activation", x, Act.Swish);

        for (int i = 0; i < Blocks.Length; i++)
        {
            var a = Blocks[i];
            int filtersIn = RoundFilters(a.In, width), filtersOut = RoundFilters(a.Out, width);
            for (int j = 0; j < RoundRepeats(a.Repeats, depth); j++)
            {
                string name = $"block{i + 1}{(char)('a' + j)}_";
                x = Block(k, x, name, j == 0 ? filtersIn : filtersOut, filtersOut, a.Kernel, j == 0 ? a.Stride : 1, a.Expand);
            }
        }

        int last = RoundFilters(Blocks[^1].Out, width), top = RoundFilters(1280, width);
        x = k.Conv2D("top_conv", x, last, top, kernel: 1, stride: 1, same: true, bias: false, Act.None);
        x = k.BatchNormalization("top_bn", x, top);
        return k.ActivationLayer("top_activation", x, Act.Swish);
    }

    private static string Block(KerasGraph k, string inputs, string name, int filtersIn, int filtersOut, int kernel, int stride, int expand)
    {
        int filters = filtersIn * expand;
        string x = inputs;
        if (expand != 1)
        {
            x = k.Conv2D(name + "expand_conv", x, filtersIn, filters, kernel: 1, stride: 1, same: true, bias: false, Act.None);
            x = k.BatchNormalization(name + "expand_bn", x, filters);
            x = k.ActivationLayer(name + "expand_activation", x, Act.Swish);
        }
        if (stride == 2) x = k.CorrectPad(name + "dwconv_pad", x, kernel);
        x = k.DepthwiseConv2D(name + "dwconv", x, filters, kernel, stride, same: stride == 1);
        x = k.BatchNormalization(name + "bn", x, filters);
        x = k.ActivationLayer(name + "activation", x, Act.Swish);

        // Squeeze-and-excitation: the squeeze width comes from the block's input filters, not the expanded ones.
        int filtersSe = Math.Max(1, (int)(filtersIn * SeRatio));
        string se = k.GlobalAveragePooling2D(name + "se_squeeze", x);
        se = k.ReshapeToPixel(name + "se_reshape", se);
        se = k.Conv2D(name + "se_reduce", se, filters, filtersSe, kernel: 1, stride: 1, same: true, bias: true, Act.Swish);
        se = k.Conv2D(name + "se_expand", se, filtersSe, filters, kernel: 1, stride: 1, same: true, bias: true, Act.Sigmoid);
        x = k.Multiply(name + "se_excite", x, se);

        x = k.Conv2D(name + "project_conv", x, filters, filtersOut, kernel: 1, stride: 1, same: true, bias: false, Act.None);
        x = k.BatchNormalization(name + "project_bn", x, filtersOut);
        if (stride == 1 && filtersIn == filtersOut)
        {
            // Every residual block has drop_connect_rate * b / blocks > 0 (b > 0: the very first block is never
            // residual), so Keras adds the Dropout.
            x = k.Dropout(name + "drop", x);
            x = k.Add(name + "add", x, inputs);
        }
        return x;
    }
}
