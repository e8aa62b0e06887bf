using Xunit;
using System.Diagnostics;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Models;
using OnnxTransfer.Tests;
using PureHDF;
using Xunit.Abstractions;

namespace OnnxTransfer.Extractor.Tests.Keras;

/// <summary>The genuine Keras MobileNet alpha 0.25 ImageNet weights (keras 2.0.4 file) in ../shared.</summary>
public sealed class RealMobileNetTests(ITestOutputHelper output)
{
    private static string H5 => SharedData.Models("mobilenet_2_5_224_tf_no_top.h5");

    private static readonly KerasImportOptions Alpha25 = new() { Alpha = 0.25 };

    [SharedFact]
    public void Imports_with_keras_param_total_and_useful_features()
    {
        var sw = Stopwatch.StartNew();
        var model = KerasImporter.Import(H5, KerasArch.MobileNet, Alpha25).Proto;
        output.WriteLine($"real MobileNet 0.25 import: {sw.ElapsedMilliseconds} ms");
        var info = ModelInfo.Read(model);
        Assert.Equal(218_544, info.Layers.Sum(l => l.Params));
        Assert.StartsWith("keras:md5=", info.Weights);
        KerasAssert.LayersMatch(model, TestArchitectures.MobileNet(0.25));

        var features = OrtHarness.Run(model, OrtHarness.RandomImage(2, 224, 224, seed: 9), ["conv_pw_13_relu"])["conv_pw_13_relu"];
        Assert.Equal([2L, 256, 7, 7], features.Shape);
        AssertFiniteAndVaried(features.Data);
    }

    [SharedFact]
    public void Matches_naive_reference_on_real_weights()
    {
        var model = KerasImporter.Import(H5, KerasArch.MobileNet, Alpha25).Proto;
        var weights = ReadWeights(H5, TestArchitectures.MobileNet(0.25));
        var image = OrtHarness.RandomImage(1, 48, 48, seed: 3);
        KerasAssert.MatchesReference(model, image, ReferenceNets.MobileNet(weights, image, 0.25), output);
    }

    public static void AssertFiniteAndVaried(float[] v)
    {
        Assert.All(v, x => Assert.True(float.IsFinite(x)));
        double mean = v.Average(x => (double)x);
        double variance = v.Average(x => (x - mean) * (x - mean));
        Assert.True(variance > 1e-6, $"features have variance {variance}");
    }

    /// <summary>Reads the file directly with PureHDF at the Keras 2 dataset paths, without the importer.</summary>
    private static Dictionary<string, float[]> ReadWeights(string path, List<TestLayer> layers)
    {
        using var file = H5File.OpenRead(path);
        var w = new Dictionary<string, float[]>();
        foreach (var l in layers)
            foreach (var (name, _) in l.Weights)
                w[$"{l.Name}/{name}"] = file.Dataset($"{l.Name}/{l.Name}/{name}:0").Read<float[]>();
        return w;
    }
}
