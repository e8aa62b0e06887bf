using static OnnxTransfer.Extractor.Tests.Keras.NaiveOps;

namespace OnnxTransfer.Extractor.Tests.Keras;

public static partial class ReferenceNets
{
    /// <summary>InceptionV3(include_top=False) in double precision from the file's weights (Keras 3 names),
    /// every layer's output by name; input RGB 0-255, "tf" preprocessing (x / 127.5 - 1) included.</summary>
    public static Dictionary<string, Nhwc> InceptionV3(IReadOnlyDictionary<string, float[]> w, Nhwc image)
    {
        var net = new InceptionReference(w);
        var x = net.Outputs["input_layer"] = image.Map(v => v / 127.5 - 1);
        TestArchitectures.InceptionV3Walk(net, x);
        return net.Outputs;
    }

    private sealed class InceptionReference(IReadOnlyDictionary<string, float[]> w) : IInceptionOps<Nhwc>
    {
        private readonly KerasAutoNames _names = new(0);

        public Dictionary<string, Nhwc> Outputs { get; } = [];

        public Nhwc ConvBn(Nhwc x, int filters, int rows, int cols, int stride, bool same)
        {
            string conv = _names.Next("conv2d"), bn = _names.Next("batch_normalization");
            x = Outputs[conv] = Conv(x, w[conv + "/kernel"], rows, cols, filters, stride, same);
            // scale=False: gamma is 1.
            x = Outputs[bn] = BatchNorm(x, Enumerable.Repeat(1f, filters).ToArray(), w[bn + "/beta"], w[bn + "/moving_mean"], w[bn + "/moving_variance"]);
            return Outputs[_names.Next("activation")] = x.Map(Relu);
        }

        public Nhwc MaxPool(Nhwc x) => Outputs[_names.Next("max_pooling2d")] = Pool(x, 3, 2, same: false, max: true);

        public Nhwc AvgPool(Nhwc x) => Outputs[_names.Next("average_pooling2d")] = Pool(x, 3, 1, same: true, max: false);

        public Nhwc Concat(string? name, params Nhwc[] parts) => Outputs[name ?? _names.Next("concatenate")] = NaiveOps.Concat(parts);
    }
}
