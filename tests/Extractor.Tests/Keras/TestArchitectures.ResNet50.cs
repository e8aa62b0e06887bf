namespace OnnxTransfer.Extractor.Tests.Keras;

public static partial class TestArchitectures
{
    /// <summary>ResNet50 stacks (keras/src/applications/resnet.py): name, bottleneck filters, blocks, first block's stride.</summary>
    public static (string Name, int Filters, int Blocks, int Stride)[] ResNet50Stacks { get; } =
        [("conv2", 64, 3, 1), ("conv3", 128, 4, 2), ("conv4", 256, 6, 2), ("conv5", 512, 3, 2)];

    private static TestLayer ConvBias(string name, int k, int cin, int cout) =>
        new(name, "Conv2D", ("kernel", [k, k, cin, cout]), ("bias", [cout]));

    /// <summary>ResNet50(include_top=False).layers. In a first block Keras lists the shortcut's 0_conv and 0_bn
    /// between 2_relu, 3_conv and 3_bn: model.layers is sorted by depth from the output (0_conv and 3_conv are
    /// both two layers above the add), ties in first-visit order of a walk that takes Add's first input, the
    /// shortcut, first.</summary>
    public static List<TestLayer> ResNet50()
    {
        var l = new List<TestLayer>
        {
            new("input_layer", "InputLayer"),
            new("conv1_pad", "ZeroPadding2D"),
            ConvBias("conv1_conv", 7, 3, 64),
            Bn("conv1_bn", 64),
            new("conv1_relu", "Activation"),
            new("pool1_pad", "ZeroPadding2D"),
            new("pool1_pool", "MaxPooling2D"),
        };
        int cin = 64;
        foreach (var (stack, f, blocks, _) in ResNet50Stacks)
        {
            for (int i = 1; i <= blocks; i++)
            {
                string n = $"{stack}_block{i}";
                l.Add(ConvBias(n + "_1_conv", 1, cin, f));
                l.Add(Bn(n + "_1_bn", f));
                l.Add(new(n + "_1_relu", "Activation"));
                l.Add(ConvBias(n + "_2_conv", 3, f, f));
                l.Add(Bn(n + "_2_bn", f));
                l.Add(new(n + "_2_relu", "Activation"));
                if (i == 1) l.Add(ConvBias(n + "_0_conv", 1, cin, 4 * f));
                l.Add(ConvBias(n + "_3_conv", 1, f, 4 * f));
                if (i == 1) l.Add(Bn(n + "_0_bn", 4 * f));
                l.Add(Bn(n + "_3_bn", 4 * f));
                l.Add(new(n + "_add", "Add"));
                l.Add(new(n + "_out", "Activation"));
                cin = 4 * f;
            }
        }
        return l;
    }
}
