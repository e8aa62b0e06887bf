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
    private const int Size = TestModels.Size, Channels = TestModels.Channels;

    [Fact]
    public void Chained_model_equals_backbone_then_head()
    {
        var rng = new Random(7);
        var backbone = TestModels.Backbone(rng);
        var head = TestModels.Head(rng, Size / 2 * (Size / 2) * Channels);
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
    public void Chaining_keeps_only_the_chosen_layers_branch()
    {
        var rng = new Random(3);
        var chained = ChainExporter.Chain(TestModels.Backbone(rng), TestModels.Head(rng, Size / 2 * (Size / 2) * Channels), "conv", ["a", "b", "c"]);
        Assert.DoesNotContain(chained.Graph.Node, n => n.Output.Contains("features.pooled"));
        Assert.Single(chained.Graph.Output);
    }

    [Fact]
    public void Unknown_layer_is_a_user_error()
    {
        var rng = new Random(1);
        var e = Assert.Throws<OnnxTransferException>(() => ChainExporter.Chain(TestModels.Backbone(rng), TestModels.Head(rng, 64), "nope", ["a"]));
        Assert.Contains("'nope'", e.Message);
        Assert.Contains("conv", e.Message);
    }

    private static float[] Run(ModelProto model, string input, float[] data, int[] dims, string output)
    {
        using var session = new InferenceSession(OnnxModelFile.ToBytes(model));
        var tensor = new DenseTensor<float>(data, dims);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, tensor)], [output]);
        return results[0].AsEnumerable<float>().ToArray();
    }
}
