using static OnnxTransfer.Extractor.Tests.Keras.NaiveOps;

namespace OnnxTransfer.Extractor.Tests.Keras;

/// <summary>
/// Reference forward passes of the architectures in NHWC from the weights written to the .h5,
/// returning every Keras layer's output by layer name. Input: RGB 0-255, preprocessing included.
/// </summary>
public static partial class ReferenceNets
{
    public static Dictionary<string, Nhwc> Vgg19(IReadOnlyDictionary<string, float[]> w, Nhwc image) => Vgg(w, image, [2, 2, 4, 4, 4]);

    public static Dictionary<string, Nhwc> Vgg(IReadOnlyDictionary<string, float[]> w, Nhwc image, int[] convs)
    {
        var o = new Dictionary<string, Nhwc>();
        var x = o["input_layer"] = Caffe(image);
        int[] widths = [64, 128, 256, 512, 512];
        for (int b = 1; b <= 5; b++)
        {
            for (int i = 1; i <= convs[b - 1]; i++)
            {
                string n = $"block{b}_conv{i}";
                x = o[n] = Conv(x, w[n + "/kernel"], 3, widths[b - 1], 1, same: true, w[n + "/bias"]).Map(Relu);
            }
            x = o[$"block{b}_pool"] = MaxPool2(x);
        }
        return o;
    }

    private static Nhwc Bn(IReadOnlyDictionary<string, float[]> w, string n, Nhwc x) =>
        BatchNorm(x, w[n + "/gamma"], w[n + "/beta"], w[n + "/moving_mean"], w[n + "/moving_variance"]);

    public static Dictionary<string, Nhwc> MobileNet(IReadOnlyDictionary<string, float[]> w, Nhwc image, double alpha)
    {
        var o = new Dictionary<string, Nhwc>();
        var x = o["input_layer"] = image.Map(v => v / 127.5 - 1);
        int c = (int)(32 * alpha);
        x = o["conv1"] = Conv(x, w["conv1/kernel"], 3, c, 2, same: true);
        x = o["conv1_bn"] = Bn(w, "conv1_bn", x);
        x = o["conv1_relu"] = x.Map(Relu6);
        for (int i = 1; i <= 13; i++)
        {
            int s = TestArchitectures.MobileNetStrides[i - 1];
            if (s == 2) x = o[$"conv_pad_{i}"] = ZeroPad(x, 0, 1, 0, 1);
            x = o[$"conv_dw_{i}"] = Depthwise(x, w[$"conv_dw_{i}/depthwise_kernel"], 3, s, same: s == 1);
            x = o[$"conv_dw_{i}_bn"] = Bn(w, $"conv_dw_{i}_bn", x);
            x = o[$"conv_dw_{i}_relu"] = x.Map(Relu6);
            int f = TestArchitectures.MobileNetWidth(i, alpha);
            x = o[$"conv_pw_{i}"] = Conv(x, w[$"conv_pw_{i}/kernel"], 1, f, 1, same: true);
            x = o[$"conv_pw_{i}_bn"] = Bn(w, $"conv_pw_{i}_bn", x);
            x = o[$"conv_pw_{i}_relu"] = x.Map(Relu6);
            c = f;
        }
        return o;
    }

    public static Dictionary<string, Nhwc> EfficientNetB0(IReadOnlyDictionary<string, float[]> w, Nhwc image) => EfficientNet(w, image, 0);

    /// <summary>EfficientNet variant <paramref name="variant"/> (0 for B0 ... 7 for B7).</summary>
    public static Dictionary<string, Nhwc> EfficientNet(IReadOnlyDictionary<string, float[]> w, Nhwc image, int variant)
    {
        var o = new Dictionary<string, Nhwc>();
        double[] imagenetStd = [0.229, 0.224, 0.225];
        var mean = w["normalization/mean"];
        var variance = w["normalization/variance"];
        var x = o["input_layer"] = image;
        x = o["rescaling"] = x.Map(v => v * (1.0 / 255));
        x = o["normalization"] = PerChannel(x, (v, c) => (v - mean[c]) / Math.Sqrt(variance[c]));
        // Keras adds Rescaling(1/sqrt(stddev)) for imagenet weights (tensorflow issue 49930).
        x = o["rescaling_1"] = PerChannel(x, (v, c) => v / Math.Sqrt(imagenetStd[c]));
        x = o["stem_conv_pad"] = CorrectPad(x, 3);
        x = o["stem_conv"] = Conv(x, w["stem_conv/kernel"], 3, TestArchitectures.EfficientNetFilters(32, variant), 2, same: false);
        x = o["stem_bn"] = Bn(w, "stem_bn", x);
        x = o["stem_activation"] = x.Map(Swish);
        foreach (var b in TestArchitectures.EfficientNetBlocks(variant))
        {
            string n = b.Name;
            var input = x;
            if (b.Expand != 1)
            {
                x = o[n + "expand_conv"] = Conv(x, w[n + "expand_conv/kernel"], 1, b.Filters, 1, same: true);
                x = o[n + "expand_bn"] = Bn(w, n + "expand_bn", x);
                x = o[n + "expand_activation"] = x.Map(Swish);
            }
            if (b.Stride == 2) x = o[n + "dwconv_pad"] = CorrectPad(x, b.Kernel);
            x = o[n + "dwconv"] = Depthwise(x, w[n + "dwconv/depthwise_kernel"], b.Kernel, b.Stride, same: b.Stride == 1);
            x = o[n + "bn"] = Bn(w, n + "bn", x);
            x = o[n + "activation"] = x.Map(Swish);
            var se = o[n + "se_squeeze"] = GlobalAvg(x);
            o[n + "se_reshape"] = se;
            se = o[n + "se_reduce"] = Conv(se, w[n + "se_reduce/kernel"], 1, b.Se, 1, true, w[n + "se_reduce/bias"]).Map(Swish);
            se = o[n + "se_expand"] = Conv(se, w[n + "se_expand/kernel"], 1, b.Filters, 1, true, w[n + "se_expand/bias"]).Map(Sigmoid);
            x = o[n + "se_excite"] = MulPixel(x, se);
            x = o[n + "project_conv"] = Conv(x, w[n + "project_conv/kernel"], 1, b.Out, 1, same: true);
            x = o[n + "project_bn"] = Bn(w, n + "project_bn", x);
            if (b.Residual)
            {
                o[n + "drop"] = x;
                x = o[n + "add"] = x.Zip(input, (p, q) => p + q);
            }
        }
        x = o["top_conv"] = Conv(x, w["top_conv/kernel"], 1, TestArchitectures.EfficientNetFilters(1280, variant), 1, same: true);
        x = o["top_bn"] = Bn(w, "top_bn", x);
        o["top_activation"] = x.Map(Swish);
        return o;
    }

    /// <summary>imagenet_utils.correct_pad for a model built at this input size: (k/2 - 1 + odd, k/2) per side.</summary>
    private static Nhwc CorrectPad(Nhwc x, int kernel)
    {
        int k = kernel / 2;
        int adjustH = 1 - x.H % 2, adjustW = 1 - x.W % 2;
        return ZeroPad(x, k - adjustH, k, k - adjustW, k);
    }
}
