using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Extractor.Models.Keras;

/// <summary>Keras activations used by the built-in architectures.</summary>
internal enum Act { None, Relu, Relu6, Swish, Sigmoid }

/// <summary>
/// Adds Keras layers to an NCHW ONNX graph. Every layer's output tensor is named exactly like the
/// Keras layer; helper tensors inside a layer get "&lt;layer&gt;/&lt;op&gt;" names (e.g. the pre-activation
/// "block1_conv1/BiasAdd"). Each call records the layer (name, Keras type, Keras parameter count).
/// </summary>
internal sealed partial class KerasGraph(GraphBuilder g, IKerasWeights weights)
{
    private const float BatchNormEpsilon = 1e-3f;

    public GraphBuilder Builder { get; } = g;

    public List<LayerInfo> Layers { get; } = [];

    public void Record(string name, string type, long parameters) => Layers.Add(new LayerInfo(name, type, name, parameters));

    /// <summary>Conv2D with HWIO kernel; 'same' is TensorFlow SAME (extra padding after), 'valid' none.</summary>
    public string Conv2D(string name, string x, int inChannels, int filters, int kernel, int stride, bool same, bool bias, Act act)
    {
        var k = weights.Get(name, "kernel", [kernel, kernel, inChannels, filters],
            act is Act.Relu or Act.Relu6 or Act.Swish ? WeightKind.Kernel : WeightKind.LinearKernel);
        string w = Builder.Initializer(name + "/kernel", HwioToOihw(k, kernel, inChannels, filters), filters, inChannels, kernel, kernel);
        var inputs = new List<string> { x, w };
        if (bias)
            inputs.Add(Builder.Initializer(name + "/bias", weights.Get(name, "bias", [filters], WeightKind.Bias), filters));
        string conv = act == Act.None ? name : name + (bias ? "/BiasAdd" : "/Conv2D");
        Builder.Node("Conv", [.. inputs], conv, ConvAttrs(kernel, stride, same, group: 1));
        Activation(conv, name, act);
        Record(name, "Conv2D", (long)kernel * kernel * inChannels * filters + (bias ? filters : 0));
        return name;
    }

    /// <summary>DepthwiseConv2D (depth multiplier 1, no bias) as a grouped Conv.</summary>
    public string DepthwiseConv2D(string name, string x, int channels, int kernel, int stride, bool same)
    {
        var k = weights.Get(name, "depthwise_kernel", [kernel, kernel, channels, 1], WeightKind.DepthwiseKernel);
        // (kh, kw, C, 1) -> (C, 1, kh, kw)
        var oihw = new float[k.Length];
        for (int h = 0; h < kernel; h++)
            for (int w = 0; w < kernel; w++)
                for (int c = 0; c < channels; c++)
                    oihw[(c * kernel + h) * kernel + w] = k[(h * kernel + w) * channels + c];
        string wName = Builder.Initializer(name + "/depthwise_kernel", oihw, channels, 1, kernel, kernel);
        Builder.Node("Conv", [x, wName], name, ConvAttrs(kernel, stride, same, group: channels));
        Record(name, "DepthwiseConv2D", (long)kernel * kernel * channels);
        return name;
    }

    /// <summary>BatchNormalization in inference mode; Keras' default epsilon is 1e-3, ResNet's 1.001e-5.</summary>
    public string BatchNormalization(string name, string x, int channels, float epsilon = BatchNormEpsilon)
    {
        string P(string weight, WeightKind kind) =>
            Builder.Initializer($"{name}/{weight}", weights.Get(name, weight, [channels], kind), channels);
        string gamma = P("gamma", WeightKind.Gamma), beta = P("beta", WeightKind.Beta);
        string mean = P("moving_mean", WeightKind.MovingMean), variance = P("moving_variance", WeightKind.MovingVariance);
        Builder.Node("BatchNormalization", [x, gamma, beta, mean, variance], name, Attr.Float("epsilon", epsilon));
        Record(name, "BatchNormalization", 4L * channels);
        return name;
    }

    /// <summary>A Keras Activation layer (swish, relu, sigmoid).</summary>
    public string ActivationLayer(string name, string x, Act act)
    {
        Activation(x, name, act);
        Record(name, "Activation", 0);
        return name;
    }

    /// <summary>A Keras ReLU(max_value=6) layer.</summary>
    public string ReLU6(string name, string x)
    {
        Activation(x, name, Act.Relu6);
        Record(name, "ReLU", 0);
        return name;
    }

    /// <summary>ZeroPadding2D with fixed ((top, bottom), (left, right)).</summary>
    public string ZeroPadding2D(string name, string x, int top, int bottom, int left, int right)
    {
        string pads = Builder.InitializerInt64(name + "/paddings", [0, 0, top, left, 0, 0, bottom, right], 8);
        Builder.Node("Pad", [x, pads], name);
        Record(name, "ZeroPadding2D", 0);
        return name;
    }

    /// <summary>
    /// ZeroPadding2D(correct_pad(x, kernel)) as keras.applications builds it for a fixed input size:
    /// (k/2 - 1, k/2) on an even side, (k/2, k/2) on an odd one, i.e. TensorFlow SAME for stride 2.
    /// The parity is read from the tensor's shape in the graph, so any input size gets what a Keras
    /// model built for that size would do.
    /// </summary>
    public string CorrectPad(string name, string x, int kernel)
    {
        int half = kernel / 2;
        string shape = Builder.Node("Shape", [x], name + "/shape");
        string hw = Builder.Node("Slice", [shape, Const(name + "/hw_start", 2), Const(name + "/hw_end", 4)], name + "/hw");
        string parity = Builder.Node("Mod", [hw, Const(name + "/two", 2, 2)], name + "/parity");
        string before = Builder.Node("Add", [parity, Const(name + "/half_minus_one", half - 1, half - 1)], name + "/before");
        string pads = Builder.Node("Concat",
            [Const(name + "/zeros_before", 0, 0), before, Const(name + "/zeros_after", 0, 0), Const(name + "/after", half, half)],
            name + "/paddings", Attr.Int("axis", 0));
        Builder.Node("Pad", [x, pads], name);
        Record(name, "ZeroPadding2D", 0);
        return name;
    }

    public string MaxPooling2D(string name, string x)
    {
        Builder.Node("MaxPool", [x], name, Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2));
        Record(name, "MaxPooling2D", 0);
        return name;
    }

    /// <summary>GlobalAveragePooling2D: a 2-D [N, C] tensor like Keras'.</summary>
    public string GlobalAveragePooling2D(string name, string x)
    {
        string pooled = Builder.Node("GlobalAveragePool", [x], name + "/Mean");
        Builder.Node("Flatten", [pooled], name, Attr.Int("axis", 1));
        Record(name, "GlobalAveragePooling2D", 0);
        return name;
    }

    /// <summary>Reshape [N, C] to Keras (1, 1, C), which is [N, C, 1, 1] in NCHW.</summary>
    public string ReshapeToPixel(string name, string x)
    {
        Builder.Node("Unsqueeze", [x, Const(name + "/axes", 2, 3)], name);
        Record(name, "Reshape", 0);
        return name;
    }

    public string Multiply(string name, string a, string b)
    {
        Builder.Node("Mul", [a, b], name);
        Record(name, "Multiply", 0);
        return name;
    }

    public string Add(string name, string a, string b)
    {
        Builder.Node("Add", [a, b], name);
        Record(name, "Add", 0);
        return name;
    }

    /// <summary>Dropout is the identity at inference.</summary>
    public string Dropout(string name, string x)
    {
        Builder.Node("Identity", [x], name);
        Record(name, "Dropout", 0);
        return name;
    }

    /// <summary>Rescaling: x * scale per channel (one value for all channels when scale has length 1).</summary>
    public string Rescaling(string name, string x, float[] scale)
    {
        string s = Builder.Initializer(name + "/scale", scale, 1, scale.Length, 1, 1);
        Builder.Node("Mul", [x, s], name);
        Record(name, "Rescaling", 0);
        return name;
    }

    /// <summary>Keras Normalization: (x - mean) / max(sqrt(variance), 1e-7) with the stored mean and variance.</summary>
    public string Normalization(string name, string x, int channels)
    {
        var mean = weights.Get(name, "mean", [channels], WeightKind.NormalizationMean);
        var variance = weights.Get(name, "variance", [channels], WeightKind.NormalizationVariance);
        var std = variance.Select(v => MathF.Max(MathF.Sqrt(v), 1e-7f)).ToArray();
        string m = Builder.Initializer(name + "/mean", mean, 1, channels, 1, 1);
        string sd = Builder.Initializer(name + "/stddev", std, 1, channels, 1, 1);
        string centered = Builder.Node("Sub", [x, m], name + "/sub");
        Builder.Node("Div", [centered, sd], name);
        Record(name, "Normalization", 2L * channels + 1); // mean, variance and the sample count
        return name;
    }

    private void Activation(string x, string name, Act act)
    {
        switch (act)
        {
            case Act.None:
                break;
            case Act.Relu:
                Builder.Node("Relu", [x], name);
                break;
            case Act.Relu6:
                Builder.Node("Clip", [x, Scalar("const/zero", 0f), Scalar("const/six", 6f)], name);
                break;
            case Act.Sigmoid:
                Builder.Node("Sigmoid", [x], name);
                break;
            case Act.Swish:
                string sig = Builder.Node("Sigmoid", [x], name + "/Sigmoid");
                Builder.Node("Mul", [x, sig], name);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(act), act, null);
        }
    }

    private static Onnx.Proto.AttributeProto[] ConvAttrs(int kernel, int stride, bool same, int group) =>
    [
        Attr.Ints("kernel_shape", kernel, kernel),
        Attr.Ints("strides", stride, stride),
        same ? Attr.String("auto_pad", "SAME_UPPER") : Attr.Ints("pads", 0, 0, 0, 0),
        Attr.Int("group", group),
    ];

    private static float[] HwioToOihw(float[] k, int kernel, int cin, int cout)
    {
        var r = new float[k.Length];
        int hw = kernel * kernel;
        for (int p = 0; p < hw; p++)
        {
            int src = p * cin * cout;
            for (int i = 0; i < cin; i++, src += cout)
            {
                int dst = i * hw + p;
                for (int o = 0; o < cout; o++) r[o * cin * hw + dst] = k[src + o];
            }
        }
        return r;
    }

    private string Const(string name, params long[] values) => Builder.InitializerInt64(name, values, values.Length);

    private string Scalar(string name, float value) => Builder.Has(name) ? name : Builder.Initializer(name, [value]);

    public static void DeclareImageInput(GraphBuilder b) => b.Input(ModelInfo.ImageInput, DataType.Float, "N", "H", "W", 3L);
}
