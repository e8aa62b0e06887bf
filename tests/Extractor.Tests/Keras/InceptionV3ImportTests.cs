using Xunit;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Models;
using OnnxTransfer.Tests;
using Xunit.Abstractions;

namespace OnnxTransfer.Extractor.Tests.Keras;

public sealed class InceptionV3H5 : H5Fixture
{
    public const int Seed = 3;

    public InceptionV3H5() : base("inception_v3_notop.h5", TestArchitectures.InceptionV3(), Seed, fixedStrings: false) { }
}

public sealed class InceptionV3ImportTests(InceptionV3H5 h5, ITestOutputHelper output) : IClassFixture<InceptionV3H5>
{
    private const long KerasParams = 21_802_784; // keras.applications.InceptionV3(include_top=False).count_params()

    private static readonly KerasImportOptions Defaults = new();

    [Fact]
    public void Import_records_keras_layers_and_the_keras_param_total()
    {
        var model = KerasImporter.Import(h5.Path, KerasArch.InceptionV3, Defaults).Proto;
        Assert.Equal(KerasParams, h5.Layers.Sum(l => l.Params));
        Assert.Equal(KerasParams, ModelInfo.Read(model).Layers.Sum(l => l.Params));
        KerasAssert.LayersMatch(model, h5.Layers);
        var info = ModelInfo.Read(model);
        Assert.Equal(("inceptionv3", "tf", 299, false), (info.Arch, info.Preprocess, info.InputSize, info.RandomWeights));
        Assert.Equal(["mixed10"], model.Graph.Output.Select(o => o.Name));
    }

    /// <summary>The naive pass is too slow at 299, so there only the shapes are checked: Keras' 35x35, 17x17 and 8x8 grids.</summary>
    [Fact]
    public void At_299_the_mixed_blocks_have_keras_shapes_and_mixed10_is_8x8x2048()
    {
        var model = KerasImporter.Import(h5.Path, KerasArch.InceptionV3, Defaults).Proto;
        var expected = new Dictionary<string, long[]>
        {
            ["mixed0"] = [1, 256, 35, 35], ["mixed1"] = [1, 288, 35, 35], ["mixed2"] = [1, 288, 35, 35],
            ["mixed3"] = [1, 768, 17, 17], ["mixed4"] = [1, 768, 17, 17], ["mixed5"] = [1, 768, 17, 17],
            ["mixed6"] = [1, 768, 17, 17], ["mixed7"] = [1, 768, 17, 17], ["mixed8"] = [1, 1280, 8, 8],
            ["mixed9"] = [1, 2048, 8, 8], ["mixed10"] = [1, 2048, 8, 8],
        };
        var outputs = OrtHarness.Run(model, OrtHarness.RandomImage(1, 299, 299, seed: 9), expected.Keys);
        foreach (var (layer, shape) in expected)
            Assert.True(shape.SequenceEqual(outputs[layer].Shape), $"{layer}: [{string.Join(",", outputs[layer].Shape)}]");
        RealMobileNetTests.AssertFiniteAndVaried(outputs["mixed10"].Data);
    }

    /// <summary>75 is Keras' minimum (mixed8 to mixed10 at 1x1); 107 is odd and leaves them at 2x2, so the 1x3 and
    /// 3x1 kernels and the 'same' average pools of mixed9 and mixed10 see more than one pixel.</summary>
    [Theory]
    [InlineData(75)]
    [InlineData(107)]
    public void Matches_naive_reference_at_every_layer(int size)
    {
        var model = KerasImporter.Import(h5.Path, KerasArch.InceptionV3, Defaults).Proto;
        var image = OrtHarness.RandomImage(1, size, size, seed: size);
        KerasAssert.MatchesReference(model, image, ReferenceNets.InceptionV3(h5.Weights, image), output, tolerance: 1e-5);
    }

    /// <summary>The official notop file was saved by Keras 2.0, which numbered automatic names from 1 (conv2d_1 ...
    /// conv2d_94); it must give the same graph as a file with Keras 3's names (conv2d ... conv2d_93).</summary>
    [Fact]
    public void A_file_numbered_from_conv2d_1_as_Keras_2_saved_it_imports_the_same_weights()
    {
        using var dir = new TempDir();
        string path = dir.File("inception_v3_keras2.h5");
        KerasH5Writer.Write(path, TestArchitectures.InceptionV3(keras2Names: true), InceptionV3H5.Seed, fixedStrings: true);
        var keras2 = KerasImporter.Import(path, KerasArch.InceptionV3, Defaults).Proto;
        var keras3 = KerasImporter.Import(h5.Path, KerasArch.InceptionV3, Defaults).Proto;
        KerasAssert.LayersMatch(keras2, h5.Layers);
        Assert.Equal(keras3.Graph.Initializer.Count, keras2.Graph.Initializer.Count);
        for (int i = 0; i < keras3.Graph.Initializer.Count; i++)
            Assert.Equal(keras3.Graph.Initializer[i], keras2.Graph.Initializer[i]);
    }

    [Fact]
    public void Random_weights_have_keras_layers_and_finite_varied_output()
    {
        var model = KerasImporter.RandomWeights(KerasArch.InceptionV3, Defaults, seed: 5).Proto;
        KerasAssert.LayersMatch(model, TestArchitectures.InceptionV3());
        Assert.Equal("random:seed=5,calibrated", ModelInfo.Read(model).Weights);
        var outputs = OrtHarness.Run(model, OrtHarness.RandomImage(1, 75, 75, seed: 4), ["mixed10"]);
        RealMobileNetTests.AssertFiniteAndVaried(outputs["mixed10"].Data);
    }

    [Fact]
    public void An_input_size_below_75_is_refused_naming_the_minimum()
    {
        Assert.Equal(75, KerasImporter.MinimumInputSize("inceptionv3"));
        Assert.Equal(32, KerasImporter.MinimumInputSize("mobilenet"));
        var e = Assert.Throws<OnnxTransferException>(() =>
            KerasImporter.RandomWeights(KerasArch.InceptionV3, new KerasImportOptions { InputSize = 74 }, seed: 1));
        Assert.Equal("Input size 74 is too small; Keras' inceptionv3 needs at least 75 pixels (default 299).", e.Message);
    }
}
