using System.Globalization;
using System.Text;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Reporting;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.IO;
using OnnxTransfer.Onnx;

namespace OnnxTransfer.HeadTrainer.Export;

/// <summary>
/// Writes a finished run's files (see <see cref="RunFiles"/>), each atomically: the head, head.json, report.json and
/// history.csv. Pictures of them (curves.png, confusion.png) are the command line's to draw.
/// </summary>
internal static class RunWriter
{
    public static void Write(string dir, FeatureSet data, DenseHead head, TrainerOptions options, RunReports reports,
        IReadOnlyList<EpochMetrics> history, int bestEpoch, SolverRun solver, Action<string>? warning)
    {
        var report = reports.Selection;
        CopyBackbone(data, dir, warning);
        var model = HeadOnnxExporter.ToOnnx(head, [new("onnx_transfer.classes", System.Text.Json.JsonSerializer.Serialize(data.Classes)),
            new("onnx_transfer.feature_layer", data.Layer)]);
        OnnxModelFile.Save(model, Path.Combine(dir, RunFiles.HeadModel));
        new HeadSidecar
        {
            Classes = data.Classes,
            FeatureLayer = data.Layer,
            FeatureShape = data.FeatureShape,
            FeatureWidth = data.Width,
            Source = data.Source,
            Head = head.Spec.ToString(),
            Loss = head.Loss,
            Training = options,
            Solver = solver,
            BestEpoch = bestEpoch,
            EpochsRun = history.Count,
            ValidationSplit = report.Split,
            ChoseEpoch = report.ChoseEpoch,
            Metrics = MetricsOf(report),
            CleanMetrics = reports.Clean.ToDictionary(r => r.Split, r => (IReadOnlyDictionary<string, double>)MetricsOf(r)),
        }.Save(dir);
        report.Save(Path.Combine(dir, RunFiles.Report));
        foreach (var clean in reports.Clean) clean.Save(Path.Combine(dir, RunFiles.SplitReport(clean.Split)));
        AtomicFile.WriteAllText(Path.Combine(dir, RunFiles.History), HistoryCsv(history));
    }

    private static Dictionary<string, double> MetricsOf(ClassificationReport report) => new()
    {
        ["accuracy"] = report.Accuracy, ["top_k_accuracy"] = report.TopKAccuracy, ["auc"] = report.Auc,
        ["log_loss"] = report.LogLoss, ["macro_f1"] = report.MacroF1,
    };

    public static string HistoryCsv(IReadOnlyList<EpochMetrics> history)
    {
        var sb = new StringBuilder("epoch,lr,loss,accuracy,top_k_accuracy,auc,val_loss,val_accuracy,val_top_k_accuracy,val_auc,seconds,improved\n");
        foreach (var h in history)
            sb.AppendLine(string.Join(',', new[] { h.Epoch, h.LearningRate, h.Loss, h.Accuracy, h.TopKAccuracy, h.Auc, h.ValLoss, h.ValAccuracy, h.ValTopKAccuracy, h.ValAuc, h.Seconds }
                .Select(v => Convert.ToDouble(v, CultureInfo.InvariantCulture).ToString("G9", CultureInfo.InvariantCulture))) + (h.Improved ? ",1" : ",0"));
        return sb.ToString();
    }

    /// <summary>
    /// Puts the features' backbone.onnx in the run, checked to be the model the features were extracted with: a hard link
    /// to it where the file system allows (a VGG19 backbone is 80 MB, copied into every run), else a copy. The check is on
    /// what goes in, under its temporary name; a run directory's backbone is checked again when a run is used.
    /// </summary>
    private static void CopyBackbone(FeatureSet data, string dir, Action<string>? warning)
    {
        string source = Path.Combine(data.Source.Directory, Features.FeatureFormat.BackboneFile);
        if (!File.Exists(source))
        {
            warning?.Invoke($"'{data.Source.Directory}' has no {Features.FeatureFormat.BackboneFile}; the run directory will hold the head only.");
            return;
        }
        AtomicFile.LinkOrCopy(source, Path.Combine(dir, RunFiles.Backbone), placed =>
        {
            string hash = Hashing.Sha256File(placed);
            if (!string.Equals(hash, data.Source.ModelSha256, StringComparison.OrdinalIgnoreCase))
                throw new OnnxTransferException($"'{source}' has sha256 {hash} but the features were extracted with {data.Source.ModelSha256}; re-extract the features.");
        });
    }
}

/// <summary>A run's reports: the validation (selection) rows' and the clean splits' (<see cref="TrainingResult.Clean"/>).</summary>
internal sealed record RunReports(ClassificationReport Selection, IReadOnlyList<ClassificationReport> Clean);
