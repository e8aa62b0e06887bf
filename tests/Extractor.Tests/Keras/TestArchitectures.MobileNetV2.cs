namespace OnnxTransfer.Extractor.Tests.Keras;

public static partial class TestArchitectures
{
    /// <summary>MobileNetV2 block: Keras name prefix, expanded width (the input's width for block 0), stride, in, out.</summary>
    public sealed record V2Block(string Prefix, int Id, int Stride, int In, int Out, int Expanded)
    {
        public bool Residual => Stride == 1 && In == Out;
    }

    // Per alpha: Conv1's filters, the 7 stage widths, Conv_1's filters, worked out by hand from mobilenet_v2.py's
    // _make_divisible(int(filters * alpha), 8) (Conv1: _make_divisible(32 * alpha, 8); Conv_1: 1280, or
    // _make_divisible(1280 * alpha, 8) above alpha 1), so a rounding slip in the builder shows up here.
    private static readonly Dictionary<double, (int First, int[] Stages, int Last)> V2Widths = new()
    {
        [0.35] = (16, [8, 8, 16, 24, 32, 56, 112], 1280),
        [0.5] = (16, [8, 16, 16, 32, 48, 80, 160], 1280),
        [0.75] = (24, [16, 24, 24, 48, 72, 120, 240], 1280),
        [1.0] = (32, [16, 24, 32, 64, 96, 160, 320], 1280),
        [1.3] = (40, [24, 32, 40, 80, 128, 208, 416], 1664),
        [1.4] = (48, [24, 32, 48, 88, 136, 224, 448], 1792),
    };

    // Stages of the paper's table 2 as mobilenet_v2.py builds them: repeats, first stride, expansion.
    private static readonly (int Repeats, int Stride, int Expansion)[] V2Stages =
        [(1, 1, 1), (2, 2, 6), (3, 2, 6), (4, 2, 6), (3, 1, 6), (3, 2, 6), (1, 1, 6)];

    public static int MobileNetV2First(double alpha) => V2Widths[alpha].First;

    public static int MobileNetV2Last(double alpha) => V2Widths[alpha].Last;

    public static List<V2Block> MobileNetV2Blocks(double alpha)
    {
        var (first, stages, _) = V2Widths[alpha];
        var blocks = new List<V2Block>();
        int c = first, id = 0;
        for (int s = 0; s < V2Stages.Length; s++)
        {
            var (repeats, stride, t) = V2Stages[s];
            for (int r = 0; r < repeats; r++, id++)
            {
                blocks.Add(new(id == 0 ? "expanded_conv_" : $"block_{id}_", id, r == 0 ? stride : 1, c, stages[s], c * t));
                c = stages[s];
            }
        }
        return blocks;
    }

    public static List<TestLayer> MobileNetV2(double alpha)
    {
        int first = MobileNetV2First(alpha), last = MobileNetV2Last(alpha);
        var l = new List<TestLayer>
        {
            new("input_layer", "InputLayer"),
            new("Conv1", "Conv2D", ("kernel", [3, 3, 3, first])),
            Bn("bn_Conv1", first),
            new("Conv1_relu", "ReLU"),
        };
        int c = first;
        foreach (var b in MobileNetV2Blocks(alpha))
        {
            string p = b.Prefix;
            if (b.Id != 0)
            {
                l.Add(new(p + "expand", "Conv2D", ("kernel", [1, 1, b.In, b.Expanded])));
                l.Add(Bn(p + "expand_BN", b.Expanded));
                l.Add(new(p + "expand_relu", "ReLU"));
            }
            if (b.Stride == 2) l.Add(new(p + "pad", "ZeroPadding2D"));
            l.Add(new(p + "depthwise", "DepthwiseConv2D", ("depthwise_kernel", [3, 3, b.Expanded, 1])));
            l.Add(Bn(p + "depthwise_BN", b.Expanded));
            l.Add(new(p + "depthwise_relu", "ReLU"));
            l.Add(new(p + "project", "Conv2D", ("kernel", [1, 1, b.Expanded, b.Out])));
            l.Add(Bn(p + "project_BN", b.Out));
            if (b.Residual) l.Add(new(p + "add", "Add"));
            c = b.Out;
        }
        l.Add(new("Conv_1", "Conv2D", ("kernel", [1, 1, c, last])));
        l.Add(Bn("Conv_1_bn", last));
        l.Add(new("out_relu", "ReLU"));
        return l;
    }
}
