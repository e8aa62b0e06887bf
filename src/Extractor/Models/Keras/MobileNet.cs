namespace OnnxTransfer.Extractor.Models.Keras;

/// <summary>
/// keras.applications.MobileNet(include_top=False, depth_multiplier=1): conv1 3x3/2 'same', then 13
/// depthwise-separable blocks. Stride-2 blocks pad with ZeroPadding2D(((0,1),(0,1))) "conv_pad_N" and
/// use a 'valid' depthwise conv, as current Keras does.
/// </summary>
internal static class MobileNet
{
    public static readonly double[] Alphas = [0.25, 0.5, 0.75, 1.0];

    private static readonly (int Filters, int Stride)[] Blocks =
        [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)];

    public static string Build(KerasGraph k, string image, double alpha)
    {
        string x = k.TfInputLayer(image);
        int channels = (int)(32 * alpha);
        x = k.Conv2D("conv1", x, 3, channels, kernel: 3, stride: 2, same: true, bias: false, Act.None);
        x = k.BatchNormalization("conv1_bn", x, channels);
        x = k.ReLU6("conv1_relu", x);

        for (int id = 1; id <= Blocks.Length; id++)
        {
            var (filters, stride) = Blocks[id - 1];
            if (stride == 2) x = k.ZeroPadding2D($"conv_pad_{id}", x, 0, 1, 0, 1);
            x = k.DepthwiseConv2D($"conv_dw_{id}", x, channels, kernel: 3, stride, same: stride == 1);
            x = k.BatchNormalization($"conv_dw_{id}_bn", x, channels);
            x = k.ReLU6($"conv_dw_{id}_relu", x);
            int outChannels = (int)(filters * alpha);
            x = k.Conv2D($"conv_pw_{id}", x, channels, outChannels, kernel: 1, stride: 1, same: true, bias: false, Act.None);
            x = k.BatchNormalization($"conv_pw_{id}_bn", x, outChannels);
            x = k.ReLU6($"conv_pw_{id}_relu", x);
            channels = outChannels;
        }
        return x;
    }
}
