using OnnxTransfer.Inference;
using OnnxTransfer.IO;

namespace OnnxTransfer.Cli.Reports;

/// <summary>What `evaluate` (and the demo's evaluation) leaves in its folder: report.json and misclassified.tsv, confusion.png, report.html.</summary>
internal static class EvaluationFiles
{
    /// <param name="photos">The scanned photos by relative path, for the worst mistakes' thumbnails; null when the rows were features.</param>
    /// <returns>report.html's path.</returns>
    public static string Save(string dir, Evaluation evaluation, EvaluatedData data, IReadOnlyDictionary<string, string>? photos)
    {
        evaluation.Save(dir);
        byte[] confusion = ConfusionPicture.Png(evaluation.Report);
        AtomicFile.WriteAllBytes(Path.Combine(dir, "confusion.png"), confusion);
        var worst = WorstThumbnails.For(evaluation.Worst(HtmlReport.WorstCount), photos);
        string html = Path.Combine(dir, HtmlReport.FileName);
        HtmlReport.Save(html, evaluation, data, worst, confusion);
        return html;
    }
}
