using System.Text.Json.Nodes;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Models;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Models;

/// <summary>The zoo is the manifests in models/onnx: every one parses, and agrees with the importer and with Keras's own naming.</summary>
public class ZooManifestTests
{
    private static readonly string Folder = Path.Combine(SharedData.Repo, "models", "onnx");

    [Fact]
    public void Every_manifest_in_models_onnx_is_a_zoo_model_and_nothing_else_is()
    {
        var files = Directory.GetFiles(Folder, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal);
        Assert.Equal(files, ModelZoo.Models.Select(m => m.Arch));
    }

    [Fact]
    public void Every_manifest_agrees_with_the_importer_and_names_the_official_keras_file()
    {
        foreach (var m in ModelZoo.Models)
        {
            Assert.Equal(KerasImporter.DefaultInputSize(m.KerasArch), m.InputSize);
            // Keras checks no hash for MobileNet v1 and v2 files; v1's manifest has the md5 of the real file in ../shared.
            if (m.KerasArch != KerasArch.MobileNetV2) Assert.Matches("^[0-9a-f]{32}$", m.Md5!);
            else Assert.Null(m.Md5);
            Assert.StartsWith("https://storage.googleapis.com/", m.Url);
            Assert.EndsWith("/" + m.FileName, m.Url);
            Assert.EndsWith(".h5", m.FileName);
            Assert.Contains("notop", m.FileName.Replace("no_top", "notop", StringComparison.Ordinal));
            Assert.NotEmpty(m.DefaultLayers);
            Assert.Contains(m.DefaultPool, new[] { "none", "avg", "max" });
            Assert.NotEmpty(m.Licence);
            Assert.NotEmpty(m.Notes);
            Assert.True(m.Alpha == 1.0 || m.KerasArch is KerasArch.MobileNet or KerasArch.MobileNetV2, $"{m.Arch}: alpha is for MobileNets");
        }
    }

    [Theory]
    [InlineData("mobilenet")]
    [InlineData("efficientnetb0")]
    [InlineData("vgg16")]
    [InlineData("mobilenetv2")]
    [InlineData("resnet50")]
    [InlineData("inceptionv3")]
    public void A_manifest_s_preprocessing_and_default_layers_are_what_the_imported_graph_has(string name)
    {
        var zoo = ModelZoo.Get(name);
        var info = ModelInfo.Read(KerasImporter.RandomWeights(zoo.KerasArch, new KerasImportOptions { Alpha = zoo.Alpha, CalibrateRandomWeights = false }, seed: 1).Proto);
        Assert.Equal(zoo.Preprocess, info.Preprocess);
        Assert.Equal(zoo.InputSize, info.InputSize);
        Assert.All(zoo.DefaultLayers, l => Assert.Contains(l, info.Layers.Select(x => x.Name)));
    }

    [Fact]
    public void A_malformed_or_unknown_manifest_is_refused_in_one_line_naming_the_file()
    {
        var good = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "vgg19.json")))!.AsObject();
        var unknownKey = good.DeepClone().AsObject();
        unknownKey["colour"] = "blue";
        var e1 = Assert.Throws<OnnxTransferException>(() => ZooManifest.Parse("x.json", unknownKey.ToJsonString()));
        Assert.StartsWith("Model manifest 'x.json' is malformed (", e1.Message);
        var missing = good.DeepClone().AsObject();
        missing.Remove("md5");
        Assert.Contains("md5", Assert.Throws<OnnxTransferException>(() => ZooManifest.Parse("x.json", missing.ToJsonString())).Message);
        var unknownArch = good.DeepClone().AsObject();
        unknownArch["architecture"] = "nasnetlarge";
        Assert.StartsWith("Model manifest 'x.json' names architecture 'nasnetlarge', which the importer does not have;",
                          Assert.Throws<OnnxTransferException>(() => ZooManifest.Parse("x.json", unknownArch.ToJsonString())).Message);
        var parsed = ZooManifest.Parse("vgg19.json", good.ToJsonString());
        Assert.Equal(("vgg19", KerasArch.Vgg19, "253f8cb515780f3b799900260a226db6", 80_134_624L, 224, "caffe"),
                     (parsed.Arch, parsed.KerasArch, parsed.Md5, parsed.Bytes!.Value, parsed.InputSize, parsed.Preprocess));
        Assert.Equal([103.939f, 116.779f, 123.68f], parsed.Mean!);
        Assert.Equal(["block5_pool"], parsed.DefaultLayers);
    }
}
