using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Extractor.Tests.Extraction;

/// <summary>Small already-truncated models with this tool's 'image' input and ModelInfo.Features.</summary>
internal static class TestModels
{
    /// <summary>
    /// image [N,H,W,3] -> 3x3/2 conv (4 channels, random weights) -> ReLU, as NHWC feature "conv",
    /// and its global average, feature "gap" [4].
    /// </summary>
    public static ModelProto TinyConv(int inputSize = 16, int seed = 1)
    {
        var rng = new Random(seed);
        float[] Rand(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5) / 100).ToArray();
        var g = new GraphBuilder("tiny");
        g.Input(ModelInfo.ImageInput, DataType.Float, "N", "H", "W", 3L);
        g.Node("Transpose", [ModelInfo.ImageInput], "nchw", Attr.Ints("perm", 0, 3, 1, 2));
        g.Initializer("w", Rand(4 * 3 * 3 * 3), 4, 3, 3, 3);
        g.Initializer("b", Rand(4), 4);
        g.Node("Conv", ["nchw", "w", "b"], "conv", Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1));
        g.Node("Relu", ["conv"], "relu");
        g.Node("Transpose", ["relu"], "conv_nhwc", Attr.Ints("perm", 0, 2, 3, 1));
        g.Node("ReduceMean", ["conv_nhwc"], "gap", Attr.Ints("axes", 1, 2), Attr.Int("keepdims", 0));
        g.Output("conv_nhwc", DataType.Float, "N", "h", "w", 4L);
        g.Output("gap", DataType.Float, "N", 4L);
        var model = g.ToModel();
        long half = (inputSize + 1) / 2;
        new ModelInfo
        {
            Arch = "test", Weights = $"random:seed={seed}", RandomWeights = true, Preprocess = "none", InputSize = inputSize,
            Features = [new FeatureOutput("conv", "conv_nhwc", "none", [half, half, 4]), new FeatureOutput("gap", "gap", "avg", [4])],
        }.WriteTo(model);
        return model;
    }

    /// <summary>
    /// The real int8 MobileNetV2 (NCHW input 'input', torchvision normalisation) wrapped by hand to take
    /// this tool's 'image' input (NHWC, RGB 0-255), with its logits as feature "logits".
    /// </summary>
    public static ModelProto WrappedMobileNetV2(string path)
    {
        var model = OnnxModelFile.Load(path);
        var graph = model.Graph;
        var original = graph.Input.Single(i => graph.Initializer.All(t => t.Name != i.Name));
        string output = graph.Output[0].Name;
        graph.Input.Remove(original);
        var g = new GraphBuilder(graph);
        g.Input(ModelInfo.ImageInput, DataType.Float, "N", 224L, 224L, 3L);
        g.Initializer("wrap_scale", [1 / 255f], 1);
        g.Initializer("wrap_mean", [0.485f, 0.456f, 0.406f], 1, 3, 1, 1);
        g.Initializer("wrap_std", [0.229f, 0.224f, 0.225f], 1, 3, 1, 1);
        // Prepended nodes must come first: ONNX requires topological order.
        var pre = new List<NodeProto>();
        int before = graph.Node.Count;
        g.Node("Transpose", [ModelInfo.ImageInput], "wrap_nchw", Attr.Ints("perm", 0, 3, 1, 2));
        g.Node("Mul", ["wrap_nchw", "wrap_scale"], "wrap_unit");
        g.Node("Sub", ["wrap_unit", "wrap_mean"], "wrap_centered");
        g.Node("Div", ["wrap_centered", "wrap_std"], original.Name);
        pre.AddRange(graph.Node.Skip(before));
        var rest = graph.Node.Take(before).ToList();
        graph.Node.Clear();
        graph.Node.AddRange(pre);
        graph.Node.AddRange(rest);
        new ModelInfo
        {
            Arch = "onnx", Weights = "onnx:mobilenetv2-12-int8", Preprocess = "torch", InputSize = 224,
            Features = [new FeatureOutput("logits", output, "none", [1000])],
        }.WriteTo(model);
        return model;
    }
}
