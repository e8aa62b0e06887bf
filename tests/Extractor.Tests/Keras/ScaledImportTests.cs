using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Models;
using Xunit;
using Xunit.Abstractions;

namespace OnnxTransfer.Extractor.Tests.Keras;

/// <summary>VGG16, and EfficientNetB1 to B7: Keras's layer tables and param totals, and the naive reference on generated weights.</summary>
public sealed class Vgg16ImportTests(Vgg16H5 h5, ITestOutputHelper output) : IClassFixture<Vgg16H5>
{
    private const long KerasParams = 14_714_688; // keras.applications.VGG16(include_top=False).count_params()

    [Fact]
    public void Import_records_keras_layers_and_param_total_and_matches_the_naive_reference()
    {
        var model = KerasImporter.Import(h5.Path, KerasArch.Vgg16, new KerasImportOptions()).Proto;
        Assert.Equal(KerasParams, h5.Layers.Sum(l => l.Params));
        Assert.Equal(KerasParams, ModelInfo.Read(model).Layers.Sum(l => l.Params));
        KerasAssert.LayersMatch(model, h5.Layers);
        Assert.Equal(("vgg16", "caffe", 224), (ModelInfo.Read(model).Arch, ModelInfo.Read(model).Preprocess, ModelInfo.Read(model).InputSize));
        var image = OrtHarness.RandomImage(1, 35, 35, seed: 6);
        KerasAssert.MatchesReference(model, image, ReferenceNets.Vgg(h5.Weights, image, [2, 2, 3, 3, 3]), output);
    }

    [Fact]
    public void A_vgg19_file_is_refused_as_vgg16_naming_what_it_is()
    {
        using var vgg19 = new Vgg19H5();
        var e = Assert.Throws<OnnxTransferException>(() => KerasImporter.Import(vgg19.Path, KerasArch.Vgg16, new KerasImportOptions()));
        Assert.Contains("VGG19", e.Message);
    }
}

/// <remarks>
/// The fixture's kernels have LeCun scaling (gain 1, see <see cref="KerasH5Writer.Write"/>): with He scaling and BN
/// statistics that do not match the activations, B1's activations grew to about 200 and its se_reduce outputs to 30,
/// and the sigmoid of se_expand then showed float32 rounding as up to 1e-3 relative error.
/// </remarks>
public sealed class EfficientNetB1ImportTests(EfficientNetB1H5 h5, ITestOutputHelper output) : IClassFixture<EfficientNetB1H5>
{
    [Theory]
    [InlineData(33)]
    [InlineData(64)]
    [InlineData(240)] // B1's own input size
    public void Matches_the_naive_reference_at_every_layer(int size)
    {
        var model = KerasImporter.Import(h5.Path, KerasArch.EfficientNetB1, new KerasImportOptions()).Proto;
        KerasAssert.LayersMatch(model, h5.Layers);
        Assert.Equal(240, ModelInfo.Read(model).InputSize);
        var image = OrtHarness.RandomImage(1, size, size, seed: size);
        KerasAssert.MatchesReference(model, image, ReferenceNets.EfficientNet(h5.Weights, image, 1), output, tolerance: 1e-5);
    }
}

/// <remarks>LeCun-scaled kernels, as for B1 (see there).</remarks>
public sealed class EfficientNetB3ImportTests(EfficientNetB3H5 h5, ITestOutputHelper output) : IClassFixture<EfficientNetB3H5>
{
    [Fact]
    public void Matches_the_naive_reference_at_every_layer_with_rounded_widths()
    {
        var model = KerasImporter.Import(h5.Path, KerasArch.EfficientNetB3, new KerasImportOptions()).Proto;
        KerasAssert.LayersMatch(model, h5.Layers);
        var image = OrtHarness.RandomImage(1, 33, 33, seed: 3);
        KerasAssert.MatchesReference(model, image, ReferenceNets.EfficientNet(h5.Weights, image, 3), output, tolerance: 1e-5);
    }
}

public sealed class EfficientNetScalingTests
{
    /// <summary>keras.applications.EfficientNetB0..B7(include_top=False).count_params(), as published.</summary>
    [Theory]
    [InlineData(KerasArch.EfficientNetB0, 0, 4_049_571, 224)]
    [InlineData(KerasArch.EfficientNetB1, 1, 6_575_239, 240)]
    [InlineData(KerasArch.EfficientNetB2, 2, 7_768_569, 260)]
    [InlineData(KerasArch.EfficientNetB3, 3, 10_783_535, 300)]
    [InlineData(KerasArch.EfficientNetB4, 4, 17_673_823, 380)]
    [InlineData(KerasArch.EfficientNetB5, 5, 28_513_527, 456)]
    [InlineData(KerasArch.EfficientNetB6, 6, 40_960_143, 528)]
    [InlineData(KerasArch.EfficientNetB7, 7, 64_097_687, 600)]
    public void Each_variant_has_keras_s_param_total_layers_and_input_size(KerasArch arch, int variant, long parameters, int size)
    {
        var layers = TestArchitectures.EfficientNet(variant);
        Assert.Equal(parameters, layers.Sum(l => l.Params));
        Assert.Equal(size, KerasImporter.DefaultInputSize(arch));
        // The graph only (random weights, uncalibrated): B7's 64 million weights are built in a few seconds.
        var model = KerasImporter.RandomWeights(arch, new KerasImportOptions { CalibrateRandomWeights = false }, seed: 1).Proto;
        var info = ModelInfo.Read(model);
        Assert.Equal(parameters, info.Layers.Sum(l => l.Params));
        Assert.Equal((KerasImporter.ArchitectureName(arch), size), (info.Arch, info.InputSize));
        KerasAssert.LayersMatch(model, layers);
    }
}
