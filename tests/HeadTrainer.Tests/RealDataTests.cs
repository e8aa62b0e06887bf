using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using OnnxTransfer.Tests;
using Xunit;
using Xunit.Abstractions;

namespace OnnxTransfer.HeadTrainer.Tests;

public class RealDataTests(ITestOutputHelper output)
{
    /// <summary>
    /// Real Keras MobileNet (alpha 0.25, ImageNet weights) cut at conv_pw_13_relu with global average pooling
    /// (256 features), hymenoptera_data extracted with the real pipeline, then a linear head.
    /// Chance is about 50% (ants 70 / bees 83 in val); frozen ImageNet features should give far more.
    /// </summary>
    [SharedFact]
    public async Task Linear_head_on_real_mobilenet_features_of_hymenoptera_beats_chance_by_far()
    {
        using var features = new TempDir();
        using var run = new TempDir();
        var mobilenet = KerasImporter.Import(SharedData.Models("mobilenet_2_5_224_tf_no_top.h5"), KerasArch.MobileNet, new() { Alpha = 0.25 }).Proto;
        var backbone = GlobalAveragePooled(mobilenet, "conv_pw_13_relu");
        using (var extractor = new FeatureExtractor(backbone, new ExtractionOptions { ModelName = "mobilenet_0.25", BatchSize = 32 }))
            await extractor.ExtractAsync(SharedData.Dataset("hymenoptera_data"), features.Path);

        var set = FeatureSet.Load(features.Path);
        Assert.Equal((397, 256), (set.Rows, set.Width));
        var result = new Trainer(new TrainerOptions { Head = HeadSpec.Linear, Epochs = 30, Patience = 5, LearningRate = 1e-2f }).Train(set, run.Path);
        output.WriteLine($"val accuracy {result.Validation.Accuracy:P2}, AUC {result.Validation.Auc:F4}, best epoch {result.BestEpoch}/{result.History.Count}");
        Assert.Equal(153, result.Validation.Samples);
        Assert.True(result.Validation.Accuracy >= 0.80, $"val accuracy {result.Validation.Accuracy}");
        Assert.True(File.Exists(Path.Combine(run.Path, RunFiles.Backbone)));
        Assert.Equal(set.Source.ModelSha256, OnnxTransfer.IO.Hashing.Sha256File(Path.Combine(run.Path, RunFiles.Backbone)));
    }

    /// <summary>
    /// Feature model by hand (GraphTruncator is not on this branch): the layer's NCHW tensor -> GlobalAveragePool ->
    /// Flatten as the only output "gap" [N, C], recorded in ModelInfo.Features; GraphPruner drops the rest.
    /// </summary>
    private static ModelProto GlobalAveragePooled(ModelProto model, string layer)
    {
        var info = ModelInfo.Read(model);
        string tensor = info.Layers.Single(l => l.Name == layer).Tensor;
        var g = new GraphBuilder(model.Graph);
        g.Node("GlobalAveragePool", [tensor], "gap_4d");
        g.Node("Flatten", ["gap_4d"], "gap", Attr.Int("axis", 1));
        model.Graph.Output.Clear();
        g.Output("gap", TensorProto.Types.DataType.Float, "N", 256L);
        GraphPruner.Prune(model.Graph);
        info.Features = [new FeatureOutput(layer, "gap", "avg", [256])];
        info.WriteTo(model);
        return model;
    }
}
