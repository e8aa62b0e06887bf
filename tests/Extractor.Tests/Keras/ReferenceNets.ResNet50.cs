using static OnnxTransfer.Extractor.Tests.Keras.NaiveOps;

namespace OnnxTransfer.Extractor.Tests.Keras;

public static partial class ReferenceNets
{
    public static Dictionary<string, Nhwc> ResNet50(IReadOnlyDictionary<string, float[]> w, Nhwc image)
    {
        var o = new Dictionary<string, Nhwc>();
        // ResNet's BatchNormalization layers all use epsilon 1.001e-5, not Keras' default 1e-3.
        Nhwc Bn(string n, Nhwc x) =>
            BatchNorm(x, w[n + "/gamma"], w[n + "/beta"], w[n + "/moving_mean"], w[n + "/moving_variance"], eps: 1.001e-5);
        Nhwc ConvB(string n, Nhwc x, int k, int cout, int stride, bool same) => Conv(x, w[n + "/kernel"], k, cout, stride, same, w[n + "/bias"]);

        var x = o["input_layer"] = Caffe(image);
        x = o["conv1_pad"] = ZeroPad(x, 3, 3, 3, 3);
        x = o["conv1_conv"] = ConvB("conv1_conv", x, 7, 64, 2, same: false);
        x = o["conv1_bn"] = Bn("conv1_bn", x);
        x = o["conv1_relu"] = x.Map(Relu);
        x = o["pool1_pad"] = ZeroPad(x, 1, 1, 1, 1);
        x = o["pool1_pool"] = MaxPool(x, 3, 2);
        foreach (var (stack, f, blocks, stride) in TestArchitectures.ResNet50Stacks)
        {
            for (int i = 1; i <= blocks; i++)
            {
                string n = $"{stack}_block{i}";
                int s = i == 1 ? stride : 1;
                var input = x;
                x = o[n + "_1_conv"] = ConvB(n + "_1_conv", x, 1, f, s, same: false);
                x = o[n + "_1_bn"] = Bn(n + "_1_bn", x);
                x = o[n + "_1_relu"] = x.Map(Relu);
                x = o[n + "_2_conv"] = ConvB(n + "_2_conv", x, 3, f, 1, same: true);
                x = o[n + "_2_bn"] = Bn(n + "_2_bn", x);
                x = o[n + "_2_relu"] = x.Map(Relu);
                x = o[n + "_3_conv"] = ConvB(n + "_3_conv", x, 1, 4 * f, 1, same: false);
                x = o[n + "_3_bn"] = Bn(n + "_3_bn", x);
                var shortcut = input;
                if (i == 1)
                {
                    shortcut = o[n + "_0_conv"] = ConvB(n + "_0_conv", input, 1, 4 * f, s, same: false);
                    shortcut = o[n + "_0_bn"] = Bn(n + "_0_bn", shortcut);
                }
                x = o[n + "_add"] = shortcut.Zip(x, (p, q) => p + q);
                x = o[n + "_out"] = x.Map(Relu);
            }
        }
        return o;
    }

    /// <summary>caffe preprocessing: RGB->BGR, minus the ImageNet BGR mean.</summary>
    private static Nhwc Caffe(Nhwc image)
    {
        double[] meanBgr = [103.939, 116.779, 123.68];
        var x = new Nhwc(image.N, image.H, image.W, 3);
        for (int i = 0; i < x.D.Length; i += 3)
            for (int c = 0; c < 3; c++) x.D[i + c] = image.D[i + 2 - c] - meanBgr[c];
        return x;
    }
}
