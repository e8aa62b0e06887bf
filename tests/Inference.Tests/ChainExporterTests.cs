using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxTransfer.Inference;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using Xunit;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Inference.Tests;

public class ChainExporterTests
{
    private const int Size = 8, Channels = 4, Classes = 3;

    [Fact]
    public void ChainedModelEqualsBackboneThenHead()
    {
        var rng = new Random(7);
        var backbone = Backbone(rng);
        var head = Head(rng, Size / 2 * (Size / 2) * Channels);
        var chained = ChainExporter.Chain(backbone, head, "conv", ["a", "b", "c"]);

        float[] image = Enumerable.Range(0, 2 * Size * Size * 3).Select(_ => (float)(rng.NextDouble() * 255)).ToArray();
        float[] features = Run(backbone, "image", image, [2, Size, Size, 3], "features.conv");
        float[] expected = Run(head, "features", features, [2, features.Length / 2], "probabilities");
        float[] actual = Run(chained, "image", image, [2, Size, Size, 3], "probabilities");

        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.InRange(Math.Abs(expected[i] - actual[i]), 0, 1e-6);
        Assert.Equal(["a", "b", "c"], ModelInfo.Read(chained).Classes);
    }

    [Fact]
    public void ChainingKeepsOnlyTheChosenLayersBranch()
    {
        var rng = new Random(3);
        var chained = ChainExporter.Chain(Backbone(rng), Head(rng, Size / 2 * (Size / 2) * Channels), "conv", ["a", "b", "c"]);
        Assert.DoesNotContain(chained.Graph.Node, n => n.Output.Contains("features.pooled"));
        Assert.Single(chained.Graph.Output);
    }

    [Fact]
    public void UnknownLayerIsAUserError()
    {
        var rng = new Random(1);
        var e = Assert.Throws<OnnxTransferException>(() => ChainExporter.Chain(Backbone(rng), Head(rng, 64), "nope", ["a"]));
        Assert.Contains("'nope'", e.Message);
        Assert.Contains("conv", e.Message);
    }

    // image [N,8,8,3] -> NCHW -> Conv 3x3 stride 2 (4 channels) -> Relu -> NHWC output "features.conv" [N,4,4,4],
    // plus a second pooled output so pruning has something to remove.
    private static ModelProto Backbone(Random rng)
    {
        var g = new GraphBuilder("backbone");
        g.Input("image", DataType.Float, "N", (long)Size, (long)Size, 3L);
        string nchw = g.Node("Transpose", ["image"], "nchw", Attr.Ints("perm", 0, 3, 1, 2));
        string w = g.Initializer("w", RandomArray(rng, Channels * 3 * 9), Channels, 3, 3, 3);
        string b = g.Initializer("b", RandomArray(rng, Channels), Channels);
        string conv = g.Node("Conv", [nchw, w, b], "conv/BiasAdd", Attr.Ints("pads", 1, 1, 1, 1), Attr.Ints("strides", 2, 2));
        string relu = g.Node("Relu", [conv], "conv");
        g.Node("Transpose", [relu], "features.conv", Attr.Ints("perm", 0, 2, 3, 1));
        string pooled = g.Node("GlobalAveragePool", [relu], "pooled");
        g.Node("Flatten", [pooled], "features.pooled", Attr.Int("axis", 1));
        g.Output("features.conv", DataType.Float, "N", 4L, 4L, (long)Channels);
        g.Output("features.pooled", DataType.Float, "N", (long)Channels);
        var info = new ModelInfo
        {
            Arch = "test", Weights = "random:seed=0", RandomWeights = true, Preprocess = "none", InputSize = Size,
            Features = [new FeatureOutput("conv", "features.conv", "none", [4, 4, Channels]), new FeatureOutput("pooled", "features.pooled", "avg", [Channels])],
        };
        return g.ToModel(info.Entries().Select(e => KeyValuePair.Create(e.Key, e.Value)));
    }

    private static ModelProto Head(Random rng, int width)
    {
        var g = new GraphBuilder("head");
        g.Input("features", DataType.Float, "N", (long)width);
        string w = g.Initializer("dense/kernel", RandomArray(rng, width * Classes), width, Classes);
        string b = g.Initializer("dense/bias", RandomArray(rng, Classes), Classes);
        string logits = g.Node("Gemm", ["features", w, b], "dense");
        g.Node("Softmax", [logits], "probabilities", Attr.Int("axis", 1));
        g.Output("probabilities", DataType.Float, "N", (long)Classes);
        return g.ToModel();
    }

    private static float[] RandomArray(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();

    private static float[] Run(ModelProto model, string input, float[] data, int[] dims, string output)
    {
        using var session = new InferenceSession(OnnxModelFile.ToBytes(model));
        var tensor = new DenseTensor<float>(data, dims);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, tensor)], [output]);
        return results.First().AsEnumerable<float>().ToArray();
    }
}
