namespace OnnxTransfer.HeadTrainer.Export;

/// <summary>File names in a training run directory.</summary>
public static class RunFiles
{
    /// <summary>The head: input "features" float32 [N, D], output "probabilities" float32 [N, K].</summary>
    public const string HeadModel = "head.onnx";
    public const string Sidecar = "head.json";
    /// <summary>Copy of the feature set's backbone.onnx (its SHA-256 is checked against the features' model_sha256).</summary>
    public const string Backbone = "backbone.onnx";
    /// <summary>The validation rows' report; its split and chose_epoch say whether they chose the epoch.</summary>
    public const string Report = "report.json";
    public const string History = "history.csv";
    public const string Curves = "curves.png";
    public const string ConfusionPlot = "confusion.png";
    public const string LastCheckpoint = "checkpoint.last.bin";
    public const string BestCheckpoint = "checkpoint.best.bin";

    /// <summary>Where `evaluate` writes its report by default (inside the run).</summary>
    public const string EvaluationFolder = "evaluation";

    /// <summary>Every file a run writes, so a run can be recognised, and replaced whole.</summary>
    internal static IReadOnlyList<string> All { get; } =
        [HeadModel, Sidecar, Backbone, Report, SplitReport(Features.FeatureSet.Val), SplitReport(Features.FeatureSet.Test), History, Curves, ConfusionPlot, LastCheckpoint, BestCheckpoint];

    /// <summary>report.&lt;split&gt;.json: the report on a clean split (one that neither trained nor chose the head), e.g. report.test.json.</summary>
    public static string SplitReport(string split) => $"report.{split}.json";
}
