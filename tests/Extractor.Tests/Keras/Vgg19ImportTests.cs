using Xunit;
using System.Diagnostics;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.IO;
using OnnxTransfer.Models;
using Xunit.Abstractions;

namespace OnnxTransfer.Extractor.Tests.Keras;

public sealed class Vgg19ImportTests(Vgg19H5 h5, ITestOutputHelper output) : IClassFixture<Vgg19H5>
{
    private const long KerasParams = 20_024_384; // keras.applications.VGG19(include_top=False).count_params()

    [Fact]
    public void Import_records_keras_layers_and_param_total()
    {
        var sw = Stopwatch.StartNew();
        var model = KerasImporter.Import(h5.Path, KerasArch.Vgg19, new KerasImportOptions()).Proto;
        output.WriteLine($"VGG19 import of {new FileInfo(h5.Path).Length / 1e6:F0} MB: {sw.ElapsedMilliseconds} ms");

        var info = ModelInfo.Read(model);
        Assert.Equal(KerasParams, h5.Layers.Sum(l => l.Params));
        Assert.Equal(KerasParams, info.Layers.Sum(l => l.Params));
        KerasAssert.LayersMatch(model, h5.Layers);
        Assert.Equal("vgg19", info.Arch);
        Assert.Equal("caffe", info.Preprocess);
        Assert.False(info.RandomWeights);
        Assert.Equal($"keras:md5={Hashing.Md5File(h5.Path)}", info.Weights);
    }

    [Fact]
    public void Matches_naive_reference_at_every_layer()
    {
        var model = KerasImporter.Import(h5.Path, KerasArch.Vgg19, new KerasImportOptions()).Proto;
        var image = OrtHarness.RandomImage(1, 32, 32, seed: 1);
        KerasAssert.MatchesReference(model, image, ReferenceNets.Vgg19(h5.Weights, image), output);
    }

    [Fact]
    public void Random_weights_have_keras_layers_and_finite_output()
    {
        var model = KerasImporter.RandomWeights(KerasArch.Vgg19, new KerasImportOptions(), seed: 3).Proto;
        KerasAssert.LayersMatch(model, TestArchitectures.Vgg19());
        Assert.Equal(KerasParams, ModelInfo.Read(model).Layers.Sum(l => l.Params));
        var outputs = OrtHarness.Run(model, OrtHarness.RandomImage(1, 32, 32, seed: 2), ["block5_pool"]);
        RealMobileNetTests.AssertFiniteAndVaried(outputs["block5_pool"].Data);
    }
}
