using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.Onnx;
using OnnxTransfer.Tests;

namespace OnnxTransfer.Inference.Tests;

/// <summary>
/// One real training run shared by the real-data tests: the genuine Keras MobileNet 0.25 from
/// ../shared/models cut at conv_pw_13_relu (avg pooled), hymenoptera_data features, a linear head.
/// Built once because extraction and training take a few seconds.
/// </summary>
public sealed class RealRunFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public RealRunFixture()
    {
        if (SharedData.Root is null) return;
        Photos = SharedData.Dataset("hymenoptera_data");
        var model = KerasImporter.Import(SharedData.Models("mobilenet_2_5_224_tf_no_top.h5"), KerasArch.MobileNet, new KerasImportOptions { Alpha = 0.25 }).Proto;
        var truncated = GraphTruncator.Truncate(model, ["conv_pw_13_relu"], PoolMode.Avg);
        Features = _dir.File("features");
        using (var extractor = new FeatureExtractor(truncated, new ExtractionOptions { ModelName = "mobilenet" }))
            extractor.ExtractAsync(Photos, Features).GetAwaiter().GetResult();
        Run = _dir.File("run");
        Training = new Trainer(new TrainerOptions { Epochs = 15, Seed = 1 }).Train(FeatureSet.Load(Features), Run);
        Exported = _dir.File("classifier.onnx");
        OnnxModelFile.Save(ChainExporter.Export(RunDirectory.Open(Run)).Proto, Exported);
        ExportedFixed = _dir.File("classifier-fixed.onnx");
        OnnxModelFile.Save(ChainExporter.Export(RunDirectory.Open(Run), new ExportOptions { Input = ExportInput.Fixed }).Proto, ExportedFixed);
    }

    public string Photos { get; } = "";
    public string Features { get; } = "";
    public string Run { get; } = "";
    /// <summary>The default export, for raw photos.</summary>
    public string Exported { get; } = "";

    /// <summary>The export for images already resized.</summary>
    public string ExportedFixed { get; } = "";
    public TrainingResult? Training { get; }

    public string Scratch(string name) => _dir.File(name);

    public void Dispose() => _dir.Dispose();
}
