namespace OnnxTransfer.Extractor.Tests.Keras;

/// <summary>One Keras layer as the tests expect it: name, Keras type and weights (short name, Keras shape).</summary>
public sealed record TestLayer(string Name, string Type, params (string Weight, int[] Shape)[] Weights)
{
    public long Params => Weights.Sum(w => w.Shape.Aggregate(1L, (a, d) => a * d));
}

/// <summary>
/// The official keras.applications layer tables, written here from the published architecture facts
/// and independently of the library's builders, so a naming or shape bug there shows up as a mismatch.
/// </summary>
public static partial class TestArchitectures
{
    public static List<TestLayer> Vgg19()
    {
        var l = new List<TestLayer> { new("input_layer", "InputLayer") };
        int[] convs = [2, 2, 4, 4, 4];
        int[] widths = [64, 128, 256, 512, 512];
        int cin = 3;
        for (int b = 0; b < 5; b++)
        {
            for (int i = 1; i <= convs[b]; i++)
            {
                l.Add(new($"block{b + 1}_conv{i}", "Conv2D", ("kernel", [3, 3, cin, widths[b]]), ("bias", [widths[b]])));
                cin = widths[b];
            }
            l.Add(new($"block{b + 1}_pool", "MaxPooling2D"));
        }
        return l;
    }

    private static TestLayer Bn(string name, int c) =>
        new(name, "BatchNormalization", ("gamma", [c]), ("beta", [c]), ("moving_mean", [c]), ("moving_variance", [c]));

    public static int[] MobileNetStrides { get; } = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1];

    private static readonly int[] MobileNetWidths = [64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024];

    public static int MobileNetWidth(int block, double alpha) => (int)(MobileNetWidths[block - 1] * alpha);

    public static List<TestLayer> MobileNet(double alpha)
    {
        int c = (int)(32 * alpha);
        var l = new List<TestLayer>
        {
            new("input_layer", "InputLayer"),
            new("conv1", "Conv2D", ("kernel", [3, 3, 3, c])),
            Bn("conv1_bn", c),
            new("conv1_relu", "ReLU"),
        };
        for (int i = 1; i <= 13; i++)
        {
            if (MobileNetStrides[i - 1] == 2) l.Add(new($"conv_pad_{i}", "ZeroPadding2D"));
            l.Add(new($"conv_dw_{i}", "DepthwiseConv2D", ("depthwise_kernel", [3, 3, c, 1])));
            l.Add(Bn($"conv_dw_{i}_bn", c));
            l.Add(new($"conv_dw_{i}_relu", "ReLU"));
            int f = MobileNetWidth(i, alpha);
            l.Add(new($"conv_pw_{i}", "Conv2D", ("kernel", [1, 1, c, f])));
            l.Add(Bn($"conv_pw_{i}_bn", f));
            l.Add(new($"conv_pw_{i}_relu", "ReLU"));
            c = f;
        }
        return l;
    }

    /// <summary>EfficientNetB0 block: name, kernel, stride, in, out, expand.</summary>
    public sealed record EffBlock(string Name, int Kernel, int Stride, int In, int Out, int Expand)
    {
        public int Filters => In * Expand;
        public int Se => Math.Max(1, In / 4);
        public bool Residual => Stride == 1 && In == Out;
    }

    public static List<EffBlock> EfficientNetBlocks()
    {
        // kernel, repeats, in, out, expand, stride (README block table)
        int[][] table = [[3, 1, 32, 16, 1, 1], [3, 2, 16, 24, 6, 2], [5, 2, 24, 40, 6, 2], [3, 3, 40, 80, 6, 2],
            [5, 3, 80, 112, 6, 1], [5, 4, 112, 192, 6, 2], [3, 1, 192, 320, 6, 1]];
        var blocks = new List<EffBlock>();
        for (int s = 0; s < table.Length; s++)
        {
            var t = table[s];
            for (int r = 0; r < t[1]; r++)
                blocks.Add(new($"block{s + 1}{"abcd"[r]}_", t[0], r == 0 ? t[5] : 1, r == 0 ? t[2] : t[3], t[3], t[4]));
        }
        return blocks;
    }

    public static List<TestLayer> EfficientNetB0()
    {
        var l = new List<TestLayer>
        {
            new("input_layer", "InputLayer"),
            new("rescaling", "Rescaling"),
            new("normalization", "Normalization", ("mean", [3]), ("variance", [3]), ("count", [])),
            new("rescaling_1", "Rescaling"),
            new("stem_conv_pad", "ZeroPadding2D"),
            new("stem_conv", "Conv2D", ("kernel", [3, 3, 3, 32])),
            Bn("stem_bn", 32),
            new("stem_activation", "Activation"),
        };
        foreach (var b in EfficientNetBlocks())
        {
            string n = b.Name;
            int f = b.Filters;
            if (b.Expand != 1)
            {
                l.Add(new(n + "expand_conv", "Conv2D", ("kernel", [1, 1, b.In, f])));
                l.Add(Bn(n + "expand_bn", f));
                l.Add(new(n + "expand_activation", "Activation"));
            }
            if (b.Stride == 2) l.Add(new(n + "dwconv_pad", "ZeroPadding2D"));
            l.Add(new(n + "dwconv", "DepthwiseConv2D", ("depthwise_kernel", [b.Kernel, b.Kernel, f, 1])));
            l.Add(Bn(n + "bn", f));
            l.Add(new(n + "activation", "Activation"));
            l.Add(new(n + "se_squeeze", "GlobalAveragePooling2D"));
            l.Add(new(n + "se_reshape", "Reshape"));
            l.Add(new(n + "se_reduce", "Conv2D", ("kernel", [1, 1, f, b.Se]), ("bias", [b.Se])));
            l.Add(new(n + "se_expand", "Conv2D", ("kernel", [1, 1, b.Se, f]), ("bias", [f])));
            l.Add(new(n + "se_excite", "Multiply"));
            l.Add(new(n + "project_conv", "Conv2D", ("kernel", [1, 1, f, b.Out])));
            l.Add(Bn(n + "project_bn", b.Out));
            if (b.Residual)
            {
                l.Add(new(n + "drop", "Dropout"));
                l.Add(new(n + "add", "Add"));
            }
        }
        l.Add(new("top_conv", "Conv2D", ("kernel", [1, 1, 320, 1280])));
        l.Add(Bn("top_bn", 1280));
        l.Add(new("top_activation", "Activation"));
        return l;
    }
}
