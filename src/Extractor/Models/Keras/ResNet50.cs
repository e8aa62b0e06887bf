namespace OnnxTransfer.Extractor.Models.Keras;

/// <summary>
/// keras.applications.ResNet50(include_top=False), the v1 layout of keras/src/applications/resnet.py:
/// conv1 7x7/2 after conv1_pad (3, 3), pool1 3x3/2 after pool1_pad (1, 1), then four stacks of bottleneck
/// blocks whose first block strides (conv3 to conv5) on its first 1x1 conv and on the 1x1 shortcut conv.
/// Every conv has a bias and every BatchNormalization epsilon 1.001e-5.
/// </summary>
internal static class ResNet50
{
    private const float Epsilon = 1.001e-5f;

    private static readonly (string Name, int Filters, int Blocks, int Stride)[] Stacks =
        [("conv2", 64, 3, 1), ("conv3", 128, 4, 2), ("conv4", 256, 6, 2), ("conv5", 512, 3, 2)];

    public static string Build(KerasGraph k, string image)
    {
        string x = k.CaffeInputLayer(image);
        x = k.ZeroPadding2D("conv1_pad", x, 3, 3, 3, 3);
        x = k.Conv2D("conv1_conv", x, 3, 64, kernel: 7, stride: 2, same: false, bias: true, Act.None);
        x = k.BatchNormalization("conv1_bn", x, 64, Epsilon);
        x = k.ActivationLayer("conv1_relu", x, Act.Relu);
        x = k.ZeroPadding2D("pool1_pad", x, 1, 1, 1, 1);
        x = k.MaxPooling2D("pool1_pool", x, pool: 3, stride: 2);

        int channels = 64;
        foreach (var (stack, filters, blocks, stride) in Stacks)
        {
            x = Block(k, x, $"{stack}_block1", channels, filters, stride, convShortcut: true);
            for (int i = 2; i <= blocks; i++)
                x = Block(k, x, $"{stack}_block{i}", 4 * filters, filters, stride: 1, convShortcut: false);
            channels = 4 * filters;
        }
        return x;
    }

    /// <summary>residual_block_v1. Layers are added in Keras' model.layers order: Keras sorts layers by depth
    /// from the output, so the shortcut's 0_conv and 0_bn come between the main path's 2_relu, 3_conv and 3_bn.</summary>
    private static string Block(KerasGraph k, string input, string name, int inChannels, int filters, int stride, bool convShortcut)
    {
        string x = k.Conv2D($"{name}_1_conv", input, inChannels, filters, kernel: 1, stride, same: false, bias: true, Act.None);
        x = k.BatchNormalization($"{name}_1_bn", x, filters, Epsilon);
        x = k.ActivationLayer($"{name}_1_relu", x, Act.Relu);
        x = k.Conv2D($"{name}_2_conv", x, filters, filters, kernel: 3, stride: 1, same: true, bias: true, Act.None);
        x = k.BatchNormalization($"{name}_2_bn", x, filters, Epsilon);
        x = k.ActivationLayer($"{name}_2_relu", x, Act.Relu);
        string shortcut = input;
        if (convShortcut)
            shortcut = k.Conv2D($"{name}_0_conv", input, inChannels, 4 * filters, kernel: 1, stride, same: false, bias: true, Act.None);
        x = k.Conv2D($"{name}_3_conv", x, filters, 4 * filters, kernel: 1, stride: 1, same: false, bias: true, Act.None);
        if (convShortcut)
            shortcut = k.BatchNormalization($"{name}_0_bn", shortcut, 4 * filters, Epsilon);
        x = k.BatchNormalization($"{name}_3_bn", x, 4 * filters, Epsilon);
        x = k.Add($"{name}_add", shortcut, x);
        return k.ActivationLayer($"{name}_out", x, Act.Relu);
    }
}
