using Xunit;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Models;
using Xunit.Abstractions;

namespace OnnxTransfer.Extractor.Tests.Keras;

/// <summary>ResNet50 with the official layer names and shapes and random weights (94 MB), written once for the class.</summary>
public sealed class ResNet50H5 : H5Fixture
{
    public ResNet50H5() : base("resnet50_notop.h5", TestArchitectures.ResNet50(), seed: 50, fixedStrings: false) { }
}

public sealed class ResNet50ImportTests(ResNet50H5 h5, ITestOutputHelper output) : IClassFixture<ResNet50H5>
{
    private const long KerasParams = 23_587_712; // keras.applications.ResNet50(include_top=False).count_params()

    [Fact]
    public void Import_records_keras_layers_and_param_total()
    {
        var model = KerasImporter.Import(h5.Path, KerasArch.ResNet50, new KerasImportOptions()).Proto;
        Assert.Equal(KerasParams, h5.Layers.Sum(l => l.Params));
        Assert.Equal(KerasParams, ModelInfo.Read(model).Layers.Sum(l => l.Params));
        KerasAssert.LayersMatch(model, h5.Layers);
        var info = ModelInfo.Read(model);
        Assert.Equal(("resnet50", "caffe", 224), (info.Arch, info.Preprocess, info.InputSize));
    }

    /// <summary>32 is Keras' minimum (conv5 ends at 1x1); 33 is odd at every stride-2 layer (17, 9, 5, 3, 2),
    /// where 'valid' convs and pool1_pool floor.</summary>
    [Theory]
    [InlineData(32)]
    [InlineData(33)]
    public void Matches_naive_reference_at_every_layer(int size)
    {
        var model = KerasImporter.Import(h5.Path, KerasArch.ResNet50, new KerasImportOptions()).Proto;
        var image = OrtHarness.RandomImage(1, size, size, seed: size);
        KerasAssert.MatchesReference(model, image, ReferenceNets.ResNet50(h5.Weights, image), output, tolerance: 1e-5);
    }

    /// <summary>A 224 naive reference would take tens of seconds in loops, so at the default size the
    /// layer shapes are checked against Keras' model.summary(): 230, 112, 114, 56, then 56, 28, 14, 7.</summary>
    [Fact]
    public void Default_size_layers_have_keras_shapes()
    {
        var model = KerasImporter.Import(h5.Path, KerasArch.ResNet50, new KerasImportOptions()).Proto;
        string[] layers = ["conv1_pad", "conv1_conv", "pool1_pad", "pool1_pool", "conv2_block3_out", "conv3_block1_0_conv",
            "conv3_block4_out", "conv4_block6_out", "conv5_block1_1_conv", "conv5_block3_out"];
        var outputs = OrtHarness.Run(model, OrtHarness.RandomImage(1, 224, 224, seed: 1), layers);
        long[][] expected = [[1, 3, 230, 230], [1, 64, 112, 112], [1, 64, 114, 114], [1, 64, 56, 56], [1, 256, 56, 56],
            [1, 512, 28, 28], [1, 512, 28, 28], [1, 1024, 14, 14], [1, 512, 7, 7], [1, 2048, 7, 7]];
        Assert.Equal(expected, layers.Select(l => outputs[l].Shape));
    }

    [Fact]
    public void Random_weights_have_keras_layers_and_finite_output()
    {
        var model = KerasImporter.RandomWeights(KerasArch.ResNet50, new KerasImportOptions(), seed: 5).Proto;
        KerasAssert.LayersMatch(model, TestArchitectures.ResNet50());
        var info = ModelInfo.Read(model);
        Assert.Equal(("resnet50", "random:seed=5,calibrated"), (info.Arch, info.Weights));
        var outputs = OrtHarness.Run(model, OrtHarness.RandomImage(1, 64, 64, seed: 4), ["conv5_block3_out"]);
        RealMobileNetTests.AssertFiniteAndVaried(outputs["conv5_block3_out"].Data);
    }

    [Fact]
    public void A_ResNet50_file_given_as_another_architecture_is_named_as_ResNet50()
    {
        var e = Assert.Throws<OnnxTransferException>(() => KerasImporter.Import(h5.Path, KerasArch.MobileNetV2, new KerasImportOptions()));
        Assert.Equal($"'{System.IO.Path.GetFileName(h5.Path)}' has no layer 'Conv1' needed by mobilenetv2 alpha 1; the file looks like ResNet50. Pass the weights file of mobilenetv2 alpha 1.", e.Message);
    }
}
