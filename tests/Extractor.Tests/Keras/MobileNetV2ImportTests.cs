using Xunit;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Models;
using OnnxTransfer.Tests;
using Xunit.Abstractions;

namespace OnnxTransfer.Extractor.Tests.Keras;

public sealed class MobileNetV2ImportTests(ITestOutputHelper output)
{
    [Fact]
    public void Param_total_at_alpha_1_equals_keras()
    {
        const long keras = 2_257_984; // keras.applications.MobileNetV2(include_top=False).count_params()
        Assert.Equal(keras, TestArchitectures.MobileNetV2(1.0).Sum(l => l.Params));
        var model = KerasImporter.RandomWeights(KerasArch.MobileNetV2, new KerasImportOptions { CalibrateRandomWeights = false }, seed: 1).Proto;
        Assert.Equal(keras, ModelInfo.Read(model).Layers.Sum(l => l.Params));
    }

    /// <summary>mobilenet_v2.py's docstring table (from the TensorFlow checkpoints) gives millions of parameters of the
    /// classifier per alpha; it counts no BatchNormalization weights and includes the 1000-class Dense head.</summary>
    [Theory]
    [InlineData(0.35, 1.66)]
    [InlineData(0.5, 1.95)]
    [InlineData(0.75, 2.61)]
    [InlineData(1.0, 3.47)]
    [InlineData(1.3, 5.34)]
    [InlineData(1.4, 6.06)]
    public void Param_totals_agree_with_the_published_table_at_every_alpha(double alpha, double millions)
    {
        var options = new KerasImportOptions { Alpha = alpha, CalibrateRandomWeights = false };
        var layers = ModelInfo.Read(KerasImporter.RandomWeights(KerasArch.MobileNetV2, options, seed: 1).Proto).Layers;
        long withoutBn = layers.Where(l => l.Type != "BatchNormalization").Sum(l => l.Params);
        long head = TestArchitectures.MobileNetV2Last(alpha) * 1000L + 1000;
        Assert.Equal(millions, Math.Round((withoutBn + head) / 1e6, 2));
    }

    [Theory]
    [InlineData(0.35)]
    [InlineData(0.5)]
    [InlineData(0.75)]
    [InlineData(1.0)]
    [InlineData(1.3)]
    [InlineData(1.4)]
    public void Random_weights_have_Keras_layers(double alpha)
    {
        var model = KerasImporter.RandomWeights(KerasArch.MobileNetV2, new KerasImportOptions { Alpha = alpha }, seed: 1).Proto;
        KerasAssert.LayersMatch(model, TestArchitectures.MobileNetV2(alpha));
        var info = ModelInfo.Read(model);
        Assert.Equal(("mobilenetv2", "tf", "random:seed=1,calibrated", true), (info.Arch, info.Preprocess, info.Weights, info.RandomWeights));
        var outputs = OrtHarness.Run(model, OrtHarness.RandomImage(1, 64, 64, seed: 4), ["out_relu"]);
        Assert.Equal([1, TestArchitectures.MobileNetV2Last(alpha), 2, 2], outputs["out_relu"].Shape);
        RealMobileNetTests.AssertFiniteAndVaried(outputs["out_relu"].Data);
    }

    /// <summary>
    /// 224 is the default; at 32 every block_N_pad sees an even side (correct_pad (0, 1)), at 33 an odd one (1, 1).
    /// The file's kernels have LeCun scaling (<see cref="KerasH5Writer.Write"/>'s kernelGain 1): with He scaling and
    /// statistics that do not match the activations, 17 linear-bottleneck blocks grew the activations until float32
    /// rounding alone moved the last blocks by 1.6e-4 of their range at 224.
    /// </summary>
    [Theory]
    [InlineData(1.0, 224)]
    [InlineData(0.35, 33)]
    [InlineData(1.4, 32)]
    public void Test_written_file_matches_naive_reference_at_every_layer(double alpha, int size)
    {
        using var dir = new TempDir();
        string path = dir.File("mobilenetv2.h5");
        var weights = KerasH5Writer.Write(path, TestArchitectures.MobileNetV2(alpha), seed: 12, kernelGain: 1);
        var model = KerasImporter.Import(path, KerasArch.MobileNetV2, new KerasImportOptions { Alpha = alpha }).Proto;
        KerasAssert.LayersMatch(model, TestArchitectures.MobileNetV2(alpha));
        var image = OrtHarness.RandomImage(1, size, size, seed: 5);
        KerasAssert.MatchesReference(model, image, ReferenceNets.MobileNetV2(weights, image, alpha), output, tolerance: 1e-5);
    }

    /// <summary>The weights file is named by Python's float(alpha) and the rows, which fall back to 224 for sizes Keras has no file for.</summary>
    [Theory]
    [InlineData(1.0, null, "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5")]
    [InlineData(0.35, 96, "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5")]
    [InlineData(0.5, 160, "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.5_160_no_top.h5")]
    [InlineData(1.3, 299, "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.3_224_no_top.h5")]
    public void A_missing_file_names_the_Keras_weights_for_alpha_and_size(double alpha, int? size, string file)
    {
        using var dir = new TempDir();
        var e = Assert.Throws<OnnxTransferException>(() =>
            KerasImporter.Import(dir.File("nope.h5"), KerasArch.MobileNetV2, new KerasImportOptions { Alpha = alpha, InputSize = size }));
        Assert.Contains("https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/" + file, e.Message);
    }

    [Fact]
    public void An_alpha_Keras_has_no_weights_for_is_refused_naming_the_ones_it_has()
    {
        var e = Assert.Throws<OnnxTransferException>(() => KerasImporter.RandomWeights(KerasArch.MobileNetV2, new KerasImportOptions { Alpha = 0.25 }, seed: 1));
        Assert.Equal("MobileNetV2 alpha 0.25 is not supported; use 0.35, 0.5, 0.75, 1.0, 1.3 or 1.4 (the alphas Keras publishes weights for).", e.Message);
    }
}
