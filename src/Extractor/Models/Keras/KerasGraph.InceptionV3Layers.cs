using OnnxTransfer.Onnx;

namespace OnnxTransfer.Extractor.Models.Keras;

/// <summary>The layer kinds InceptionV3 adds: rectangular bias-free convolutions, BatchNormalization without
/// scale, pooling with a given window and stride, and channel concatenation.</summary>
internal sealed partial class KerasGraph
{
    /// <summary>Conv2D(use_bias=False) with a rows x cols HWIO kernel (conv2d_bn's 1x7, 7x1, 1x3, 3x1 as well as
    /// square ones) and no activation, since a BatchNormalization follows; 'same' is TensorFlow SAME.</summary>
    public string Conv2D(string name, string x, int inChannels, int filters, (int Rows, int Cols) kernel, int stride, bool same)
    {
        var (rows, cols) = kernel;
        // Drawn as a kernel before ReLU: the ReLU comes right after the BatchNormalization.
        var k = weights.Get(name, "kernel", [rows, cols, inChannels, filters], WeightKind.Kernel);
        var oihw = new float[k.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                for (int i = 0; i < inChannels; i++)
                    for (int o = 0; o < filters; o++)
                        oihw[((o * inChannels + i) * rows + r) * cols + c] = k[((r * cols + c) * inChannels + i) * filters + o];
        string w = Builder.Initializer(name + "/kernel", oihw, filters, inChannels, rows, cols);
        Builder.Node("Conv", [x, w], name, Attr.Ints("kernel_shape", rows, cols), Attr.Ints("strides", stride, stride),
            Padding(same), Attr.Int("group", 1));
        Record(name, "Conv2D", (long)rows * cols * inChannels * filters);
        return name;
    }

    /// <summary>BatchNormalization(scale=False): beta, moving_mean and moving_variance only (3 x C parameters);
    /// the ONNX node gets a constant scale of ones.</summary>
    public string BatchNormalizationWithoutScale(string name, string x, int channels)
    {
        string P(string weight, WeightKind kind) =>
            Builder.Initializer($"{name}/{weight}", weights.Get(name, weight, [channels], kind), channels);
        string ones = Builder.Initializer(name + "/ones", Enumerable.Repeat(1f, channels).ToArray(), channels);
        string beta = P("beta", WeightKind.Beta);
        string mean = P("moving_mean", WeightKind.MovingMean), variance = P("moving_variance", WeightKind.MovingVariance);
        Builder.Node("BatchNormalization", [x, ones, beta, mean, variance], name, Attr.Float("epsilon", BatchNormEpsilon));
        Record(name, "BatchNormalization", 3L * channels);
        return name;
    }

    /// <summary>MaxPooling2D(pool, strides) with 'valid' or 'same' (TensorFlow SAME: padding never wins a max).</summary>
    public string MaxPooling2D(string name, string x, int pool, int stride, bool same)
    {
        Builder.Node("MaxPool", [x], name, Attr.Ints("kernel_shape", pool, pool), Attr.Ints("strides", stride, stride), Padding(same));
        Record(name, "MaxPooling2D", 0);
        return name;
    }

    /// <summary>AveragePooling2D(pool, strides) with 'valid' or 'same'. TensorFlow averages over the pixels inside
    /// the image only, so a 'same' window at the border divides by fewer than pool x pool (count_include_pad 0).</summary>
    public string AveragePooling2D(string name, string x, int pool, int stride, bool same)
    {
        Builder.Node("AveragePool", [x], name, Attr.Ints("kernel_shape", pool, pool), Attr.Ints("strides", stride, stride),
            Padding(same), Attr.Int("count_include_pad", 0));
        Record(name, "AveragePooling2D", 0);
        return name;
    }

    /// <summary>Concatenate(axis=-1): the channels, which are axis 1 in NCHW.</summary>
    public string Concatenate(string name, IEnumerable<string> inputs)
    {
        Builder.Node("Concat", [.. inputs], name, Attr.Int("axis", 1));
        Record(name, "Concatenate", 0);
        return name;
    }

    private static Onnx.Proto.AttributeProto Padding(bool same) =>
        same ? Attr.String("auto_pad", "SAME_UPPER") : Attr.Ints("pads", 0, 0, 0, 0);
}
