using static OnnxTransfer.Extractor.Tests.Keras.NaiveOps;

namespace OnnxTransfer.Extractor.Tests.Keras;

public static partial class ReferenceNets
{
    public static Dictionary<string, Nhwc> MobileNetV2(IReadOnlyDictionary<string, float[]> w, Nhwc image, double alpha)
    {
        var o = new Dictionary<string, Nhwc>();
        var x = o["input_layer"] = image.Map(v => v / 127.5 - 1);
        x = o["Conv1"] = Conv(x, w["Conv1/kernel"], 3, TestArchitectures.MobileNetV2First(alpha), 2, same: true);
        x = o["bn_Conv1"] = Bn(w, "bn_Conv1", x);
        x = o["Conv1_relu"] = x.Map(Relu6);
        foreach (var b in TestArchitectures.MobileNetV2Blocks(alpha))
        {
            string p = b.Prefix;
            var input = x;
            if (b.Id != 0)
            {
                x = o[p + "expand"] = Conv(x, w[p + "expand/kernel"], 1, b.Expanded, 1, same: true);
                x = o[p + "expand_BN"] = Bn(w, p + "expand_BN", x);
                x = o[p + "expand_relu"] = x.Map(Relu6);
            }
            if (b.Stride == 2) x = o[p + "pad"] = CorrectPad(x, 3);
            x = o[p + "depthwise"] = Depthwise(x, w[p + "depthwise/depthwise_kernel"], 3, b.Stride, same: b.Stride == 1);
            x = o[p + "depthwise_BN"] = Bn(w, p + "depthwise_BN", x);
            x = o[p + "depthwise_relu"] = x.Map(Relu6);
            x = o[p + "project"] = Conv(x, w[p + "project/kernel"], 1, b.Out, 1, same: true);
            x = o[p + "project_BN"] = Bn(w, p + "project_BN", x);
            if (b.Residual) x = o[p + "add"] = input.Zip(x, (q, r) => q + r);
        }
        int last = TestArchitectures.MobileNetV2Last(alpha);
        x = o["Conv_1"] = Conv(x, w["Conv_1/kernel"], 1, last, 1, same: true);
        x = o["Conv_1_bn"] = Bn(w, "Conv_1_bn", x);
        o["out_relu"] = x.Map(Relu6);
        return o;
    }
}
