using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Models;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Models;

/// <summary>Truncation and summaries on real architectures: imported Keras graphs and a foreign fp16 model.</summary>
public class RealModelTests
{
    [SharedFact]
    public void Foreign_fp16_layer_is_cast_to_float_and_transposed_exactly()
    {
        var model = ForeignModelImporter.Import(SharedData.Models("squeezenet1.1-fp16.onnx"), new ForeignImportOptions { Preprocess = ImagePreprocess.Bgr255 }).Proto;
        var layer = ModelInfo.Read(model).Layers.Last(l => l.Type == "Concat"); // the last fire module
        var cut = GraphTruncator.Truncate(model, [layer.Name], PoolMode.None);
        var pixels = TinyNets.Pixels(11, 224 * 224 * 3);
        long[] shape = [1, 224, 224, 3];
        var inner = TinyNets.Run(model, "image", pixels, shape, layer.Tensor)[layer.Tensor];
        string output = $"features.{layer.Name}";
        var got = TinyNets.Run(cut, "image", pixels, shape, output)[output];
        Assert.Equal(TinyNets.ToNhwc(inner.Data, inner.Shape), got.Data);
        Assert.Equal(got.Shape[1..], ModelInfo.Read(cut).Features.Single().Shape);
        Assert.DoesNotContain(cut.Graph.Node, n => n.OpType == "Softmax");
    }

    [SharedFact]
    public void Real_mobile_net_summary_has_the_published_218544_params_and_a_7x7x256_top()
    {
        var model = KerasImporter.Import(SharedData.Models("mobilenet_2_5_224_tf_no_top.h5"), KerasArch.MobileNet, new KerasImportOptions { Alpha = 0.25 }).Proto;
        var summary = LayerSummary.Of(model);
        Assert.Equal(218_544, summary.TotalParams);
        Assert.Equal("(None, 7, 7, 256)", summary.Rows[^1].KerasShape);
        Assert.Equal("(None, 112, 112, 8)", summary.Rows.Single(r => r.Name == "conv1").KerasShape);
        Assert.False(summary.RandomWeights);
    }

    [Fact]
    public void Vgg19_summary_total_matches_keras_and_a_typo_names_the_closest_layers()
    {
        var vgg = KerasImporter.RandomWeights(KerasArch.Vgg19, new KerasImportOptions(), seed: 3).Proto;
        // Keras: VGG19(include_top=False).count_params() == 20,024,384, at any input size.
        var summary = LayerSummary.Of(vgg, inputSize: 32);
        Assert.Equal(20_024_384, summary.TotalParams);
        Assert.Equal("(None, 1, 1, 512)", summary.Rows.Single(r => r.Name == "block5_pool").KerasShape);
        Assert.True(summary.RandomWeights);

        var e = Assert.Throws<OnnxTransferException>(() => GraphTruncator.Truncate(vgg, ["block5_pol"], PoolMode.Avg));
        Assert.StartsWith("Layer 'block5_pol' not found in vgg19; closest: block5_pool, block4_pool, block3_pool.", e.Message);
    }
}
