using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Models;

public class GraphTruncatorTests
{
    private const int Batch = 2, Size = TinyNets.Size;
    private static readonly long[] ImageShape = [Batch, Size, Size, 3];
    private static readonly float[] Images = TinyNets.Random(new Random(7), Batch * Size * Size * 3, 128f);

    [Theory]
    [InlineData("conv1")]
    [InlineData("pool1")]
    [InlineData("conv2")]
    public void Truncated_output_equals_the_full_graph_tensor_in_nhwc_bit_for_bit(string layer)
    {
        var full = TinyNets.ConvNet();
        var cut = GraphTruncator.Truncate(full, [layer], PoolMode.None);

        var inner = TinyNets.Run(full, "image", Images, ImageShape, layer)[layer];
        var got = TinyNets.Run(cut, "image", Images, ImageShape, $"features.{layer}")[$"features.{layer}"];

        Assert.Equal([inner.Shape[0], inner.Shape[2], inner.Shape[3], inner.Shape[1]], got.Shape);
        Assert.Equal(TinyNets.ToNhwc(inner.Data, inner.Shape), got.Data); // exact float equality
        var feature = Assert.Single(ModelInfo.Read(cut).Features);
        Assert.Equal(new FeatureOutput(layer, $"features.{layer}", "none", got.Shape[1..]), feature, new FeatureComparer());
    }

    [Fact]
    public void Everything_downstream_is_removed()
    {
        var full = TinyNets.ConvNet();
        var cut = GraphTruncator.Truncate(full, ["pool1"], PoolMode.None);
        var g = cut.Graph;

        var tensors = g.Node.SelectMany(n => n.Output).ToHashSet();
        Assert.Contains("pool1", tensors);
        Assert.DoesNotContain("conv2", tensors);
        Assert.DoesNotContain("dense", tensors);
        Assert.DoesNotContain(g.Node, n => n.OpType is "Gemm" or "Flatten");
        Assert.Equal(["conv1/bias", "conv1/kernel"], g.Initializer.Select(t => t.Name).Order());
        Assert.Equal(["conv1"], g.ValueInfo.Select(v => v.Name));
        Assert.Equal(["features.pool1"], g.Output.Select(o => o.Name));
        Assert.Equal(["image"], g.Input.Select(i => i.Name));
        Assert.Equal(["input_layer", "conv1", "pool1"], ModelInfo.Read(cut).Layers.Select(l => l.Name));
        // The source model is left untouched.
        Assert.Contains(full.Graph.Node, n => n.OpType == "Gemm");
    }

    [Theory]
    [InlineData(PoolMode.Avg)]
    [InlineData(PoolMode.Max)]
    public void Pooling_matches_a_naive_mean_or_max_over_height_and_width(PoolMode pool)
    {
        var full = TinyNets.ConvNet();
        var cut = GraphTruncator.Truncate(full, ["conv2"], pool);
        var inner = TinyNets.Run(full, "image", Images, ImageShape, "conv2")["conv2"];
        var got = TinyNets.Run(cut, "image", Images, ImageShape, "features.conv2")["features.conv2"];

        long n = inner.Shape[0], c = inner.Shape[1], hw = inner.Shape[2] * inner.Shape[3];
        Assert.Equal([n, c], got.Shape);
        for (long b = 0; b < n; b++)
            for (long k = 0; k < c; k++)
            {
                var plane = inner.Data.AsSpan((int)((b * c + k) * hw), (int)hw).ToArray();
                double expected = pool == PoolMode.Avg ? plane.Select(v => (double)v).Average() : plane.Max();
                // Mean: float32 summation order differs from the double reference; max is exact.
                Assert.Equal(expected, got.Data[b * c + k], pool == PoolMode.Avg ? 1e-5 * Math.Max(1, Math.Abs(expected)) : 0);
            }
        Assert.Equal([new FeatureOutput("conv2", "features.conv2", pool.ToString().ToLowerInvariant(), [c])],
            ModelInfo.Read(cut).Features, new FeatureComparer());
    }

    [Fact]
    public void Several_layers_become_several_outputs_of_one_graph_in_order()
    {
        var full = TinyNets.ConvNet();
        var cut = GraphTruncator.Truncate(full, ["pool2", "conv1", "dense"], PoolMode.None);
        Assert.Equal(["features.pool2", "features.conv1", "features.dense"], cut.Graph.Output.Select(o => o.Name));
        var got = TinyNets.Run(cut, "image", Images, ImageShape, "features.pool2", "features.conv1", "features.dense");
        var inner = TinyNets.Run(full, "image", Images, ImageShape, "pool2", "conv1", "dense");
        foreach (var layer in new[] { "pool2", "conv1" })
            Assert.Equal(TinyNets.ToNhwc(inner[layer].Data, inner[layer].Shape), got[$"features.{layer}"].Data);
        Assert.Equal(inner["dense"].Data, got["features.dense"].Data); // 2-D passes through
        var features = ModelInfo.Read(cut).Features;
        Assert.Equal(["pool2", "conv1", "dense"], features.Select(f => f.Layer));
        Assert.Equal([Size / 4, Size / 4, 6], features[0].Shape);
        Assert.Equal([Size, Size, 4], features[1].Shape);
        Assert.Equal([5], features[2].Shape);
    }

    [Fact]
    public void Untagged_models_resolve_layers_by_node_output_name()
    {
        var full = TinyNets.ConvNet(tagged: false);
        var cut = GraphTruncator.Truncate(full, ["conv1/BiasAdd"], PoolMode.None);
        var inner = TinyNets.Run(full, "image", Images, ImageShape, "conv1/BiasAdd")["conv1/BiasAdd"];
        var got = TinyNets.Run(cut, "image", Images, ImageShape, "features.conv1/BiasAdd")["features.conv1/BiasAdd"];
        Assert.Equal(TinyNets.ToNhwc(inner.Data, inner.Shape), got.Data);
    }

    [Fact]
    public void Unknown_layer_names_the_closest_valid_layers()
    {
        var e = Assert.Throws<OnnxTransferException>(() => GraphTruncator.Truncate(TinyNets.ConvNet(), ["conv_2"], PoolMode.None));
        Assert.StartsWith("Layer 'conv_2' not found in tinynet; closest: conv2, conv1, pool2.", e.Message);
        Assert.Contains("onnx-transfer models layers", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Pooling_a_vector_layer_is_a_user_error()
    {
        var e = Assert.Throws<OnnxTransferException>(() => GraphTruncator.Truncate(TinyNets.ConvNet(), ["dense"], PoolMode.Avg));
        Assert.Contains("'dense'", e.Message);
    }

    [Fact]
    public void Truncated_model_survives_a_save_and_load()
    {
        using var dir = new OnnxTransfer.Tests.TempDir();
        var cut = GraphTruncator.Truncate(TinyNets.ConvNet(), ["conv2"], PoolMode.Avg);
        OnnxModelFile.Save(cut, dir.File("cut.onnx"));
        Assert.Equal(OnnxModelFile.ToBytes(cut), File.ReadAllBytes(dir.File("cut.onnx")));
        Assert.Equal("conv2", ModelInfo.Read(OnnxModelFile.Load(dir.File("cut.onnx"))).Features.Single().Layer);
    }

    private sealed class FeatureComparer : IEqualityComparer<FeatureOutput>
    {
        public bool Equals(FeatureOutput? a, FeatureOutput? b) =>
            a!.Layer == b!.Layer && a.Output == b.Output && a.Pool == b.Pool && a.Shape.SequenceEqual(b.Shape);

        public int GetHashCode(FeatureOutput f) => f.Layer.GetHashCode();
    }
}
