using Xunit;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Models;
using Xunit.Abstractions;

namespace OnnxTransfer.Extractor.Tests.Keras;

public sealed class EfficientNetB0ImportTests(EfficientNetB0H5 h5, ITestOutputHelper output) : IClassFixture<EfficientNetB0H5>
{
    private const long KerasParams = 4_049_571; // keras.applications.EfficientNetB0(include_top=False).count_params()

    [Fact]
    public void Import_records_keras_layers_and_param_total()
    {
        var model = KerasImporter.Import(h5.Path, KerasArch.EfficientNetB0, new KerasImportOptions()).Proto;
        Assert.Equal(KerasParams, h5.Layers.Sum(l => l.Params));
        Assert.Equal(KerasParams, ModelInfo.Read(model).Layers.Sum(l => l.Params));
        KerasAssert.LayersMatch(model, h5.Layers);
        var info = ModelInfo.Read(model);
        Assert.Equal(("efficientnetb0", "efficientnet", 224), (info.Arch, info.Preprocess, info.InputSize));
    }

    /// <summary>33 is odd (correct_pad (1,1)), 64 is even (correct_pad (0,1) and (1,2)) and stays even
    /// down to 2x2, so both padding branches of every stride-2 block are exercised.</summary>
    [Theory]
    [InlineData(33, 1)]
    [InlineData(64, 2)]
    public void Matches_naive_reference_at_every_layer(int size, int batch)
    {
        var model = KerasImporter.Import(h5.Path, KerasArch.EfficientNetB0, new KerasImportOptions()).Proto;
        var image = OrtHarness.RandomImage(batch, size, size, seed: size);
        KerasAssert.MatchesReference(model, image, ReferenceNets.EfficientNetB0(h5.Weights, image), output);
    }

    [Fact]
    public void Random_weights_have_keras_layers_and_finite_output()
    {
        var model = KerasImporter.RandomWeights(KerasArch.EfficientNetB0, new KerasImportOptions(), seed: 5).Proto;
        KerasAssert.LayersMatch(model, TestArchitectures.EfficientNetB0());
        Assert.True(ModelInfo.Read(model).RandomWeights);
        var outputs = OrtHarness.Run(model, OrtHarness.RandomImage(1, 64, 64, seed: 4), ["top_activation"]);
        RealMobileNetTests.AssertFiniteAndVaried(outputs["top_activation"].Data);
    }
}
