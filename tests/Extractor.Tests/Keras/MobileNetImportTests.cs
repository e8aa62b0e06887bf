using Xunit;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Models;
using OnnxTransfer.Tests;
using Xunit.Abstractions;

namespace OnnxTransfer.Extractor.Tests.Keras;

public sealed class MobileNetImportTests(ITestOutputHelper output)
{
    /// <summary>Keras' own count_params() of MobileNet(include_top=False, alpha) for alpha 0.25 (the real
    /// file's 218,544) and 1.0 (3,228,864, keras.applications docs); the other two follow the same table.</summary>
    [Theory]
    [InlineData(0.25, 218_544L)]
    [InlineData(1.0, 3_228_864L)]
    public void Param_totals_equal_keras(double alpha, long keras)
    {
        Assert.Equal(keras, TestArchitectures.MobileNet(alpha).Sum(l => l.Params));
        var model = KerasImporter.RandomWeights(KerasArch.MobileNet, new KerasImportOptions { Alpha = alpha }, seed: 1).Proto;
        Assert.Equal(keras, ModelInfo.Read(model).Layers.Sum(l => l.Params));
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(0.75)]
    [InlineData(1.0)]
    public void Random_weights_have_Keras_layers(double alpha)
    {
        var model = KerasImporter.RandomWeights(KerasArch.MobileNet, new KerasImportOptions { Alpha = alpha }, seed: 1).Proto;
        KerasAssert.LayersMatch(model, TestArchitectures.MobileNet(alpha));
        var info = ModelInfo.Read(model);
        Assert.Equal(("mobilenet", "tf", "random:seed=1,calibrated", true), (info.Arch, info.Preprocess, info.Weights, info.RandomWeights));
    }

    /// <summary>35 is odd: conv1's SAME padding is (1,1) there and conv_pad_N's fixed ((0,1),(0,1)) differs from SAME.</summary>
    [Theory]
    [InlineData(0.5, 35)]
    [InlineData(0.75, 64)]
    public void Test_written_file_matches_naive_reference_at_every_layer(double alpha, int size)
    {
        using var dir = new TempDir();
        string path = dir.File("mobilenet.h5");
        var weights = KerasH5Writer.Write(path, TestArchitectures.MobileNet(alpha), seed: 11, fixedStrings: true);
        var model = KerasImporter.Import(path, KerasArch.MobileNet, new KerasImportOptions { Alpha = alpha }).Proto;
        KerasAssert.LayersMatch(model, TestArchitectures.MobileNet(alpha));
        var image = OrtHarness.RandomImage(1, size, size, seed: 5);
        KerasAssert.MatchesReference(model, image, ReferenceNets.MobileNet(weights, image, alpha), output);
    }
}
