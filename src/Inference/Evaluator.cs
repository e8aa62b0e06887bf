using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Reporting;
using OnnxTransfer.IO;

namespace OnnxTransfer.Inference;

/// <summary>An image the classifier got wrong: what it is, what was predicted, and how sure each was.</summary>
public sealed record Misclassified(string Path, string TrueClass, string PredictedClass, float TrueProbability, float PredictedProbability);

/// <summary>The outcome of an <see cref="Evaluator"/> run.</summary>
public sealed record Evaluation(ClassificationReport Report, IReadOnlyList<Misclassified> Misclassified, IReadOnlyList<PredictionResult> Unreadable)
{
    public const string ReportFile = "report.json";

    /// <summary>
    /// The misclassified images, worst first: path, true class, its probability, predicted class, its probability. Fields
    /// are escaped as in errors.tsv (see <see cref="Delimited.TsvField"/>).
    /// </summary>
    public const string MisclassifiedFile = "misclassified.tsv";

    /// <summary>Writes <see cref="ReportFile"/> and <see cref="MisclassifiedFile"/> into <paramref name="folder"/>, which it holds locked while it does.</summary>
    public void Save(string folder)
    {
        using var folderLock = FolderLock.Acquire(folder, "evaluate");
        Report.Save(Path.Combine(folder, ReportFile));
        AtomicFile.WriteAllText(Path.Combine(folder, MisclassifiedFile),
            Delimited.TsvLine("path", "true_class", "p_true", "predicted", "p_predicted") + string.Concat(Misclassified.Select(m =>
                Delimited.TsvLine(m.Path, m.TrueClass, R(m.TrueProbability), m.PredictedClass, R(m.PredictedProbability)))));
    }

    /// <summary>
    /// The <paramref name="count"/> most confident mistakes: the highest probability on a wrong class first (ties: the
    /// lower probability of the true class, then the path, ordinal), whatever order <see cref="Misclassified"/> is in.
    /// </summary>
    public IReadOnlyList<Misclassified> Worst(int count) => [.. Ranked(Misclassified).Take(count)];

    /// <summary>The report's <see cref="ClassificationReport.Split"/>: the splits of the rows scored, comma-separated in ordinal order.</summary>
    internal static string SplitsOf(IEnumerable<string> splits) => string.Join(",", splits.Distinct().Order(StringComparer.Ordinal));

    /// <summary>The most confident mistakes first (highest probability on the wrong class, then lowest on the true one, then path): one order for misclassified.tsv, the console and report.html.</summary>
    internal static IOrderedEnumerable<Misclassified> Ranked(IEnumerable<Misclassified> wrong) =>
        wrong.OrderByDescending(m => m.PredictedProbability).ThenBy(m => m.TrueProbability).ThenBy(m => m.Path, StringComparer.Ordinal);

    private static string R(float p) => p.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Scores a classifier on a labelled image folder (class sub-folders, optionally under split folders)
/// with the same report the trainer writes, plus the misclassified files, worst first.
/// </summary>
public static class Evaluator
{
    /// <param name="split">With a train/val/test tree, evaluate only this split; null takes every labelled image.</param>
    public static Evaluation Evaluate(Predictor predictor, string input, string? split = null, int topK = 5,
                                      IProgress<int>? progress = null, CancellationToken cancellation = default) =>
        Evaluate(predictor, input, InputScanner.Scan(input), split, topK, progress, cancellation);

    /// <summary>
    /// Scores <paramref name="run"/>'s head on a feature set extracted with its backbone and options (checked), without
    /// decoding a photo again; a streamed set is read within its budget. The report is the one photos give.
    /// </summary>
    /// <param name="split">Evaluate only the rows of this split (e.g. "val"); null takes every labelled row.</param>
    /// <exception cref="OnnxTransferException">The features come from another backbone, layer or preprocessing, or hold classes the run does not know.</exception>
    public static Evaluation Evaluate(RunDirectory run, FeatureSet features, string? split = null, int topK = 5,
                                      IProgress<int>? progress = null, CancellationToken cancellation = default) =>
        FeatureEvaluator.Evaluate(run, features, split, topK, progress, cancellation);

    /// <summary>Evaluates <paramref name="inputs"/>, already scanned from <paramref name="input"/> (named in errors),
    /// for callers that also need its items and should not walk the folder twice.</summary>
    public static Evaluation Evaluate(Predictor predictor, string input, InputSet inputs, string? split = null, int topK = 5,
                                      IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        var items = inputs.Items.Where(i => i.Label.Length > 0 && (split is null || i.Split == split)).ToList();
        if (items.Count == 0)
            throw new OnnxTransferException(split is null
                ? $"'{input}' has no labelled images; evaluate needs class sub-folders (or a list file with labels)."
                : $"'{input}' has no labelled images in split '{split}'; splits found: {string.Join(", ", inputs.Items.Select(i => i.Split).Distinct())}.");
        var classIndex = predictor.Classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var unknown = items.Select(i => i.Label).Distinct().Where(l => !classIndex.ContainsKey(l)).ToList();
        if (unknown.Count > 0)
            throw new OnnxTransferException(
                $"Class folder(s) {string.Join(", ", unknown.Select(u => $"'{u}'"))} in '{input}' are not classes of this classifier ({string.Join(", ", predictor.Classes)}).");

        var labels = new List<int>();
        var probabilities = new List<float>();
        var wrong = new List<Misclassified>();
        var unreadable = new List<PredictionResult>();
        int done = 0;
        foreach (var (result, item) in predictor.PredictFiles(items.Select(i => i.FullPath), cancellation).Zip(items))
        {
            progress?.Report(++done);
            if (result.Prediction is not { } prediction)
            {
                unreadable.Add(result);
                continue;
            }
            int label = classIndex[item.Label];
            labels.Add(label);
            probabilities.AddRange(prediction.Probabilities);
            if (prediction.TopIndex != label)
                wrong.Add(new Misclassified(item.RelativePath, item.Label, prediction.TopClass,
                    prediction.Probabilities[label], prediction.Probabilities[prediction.TopIndex]));
        }
        if (labels.Count == 0)
            throw new OnnxTransferException($"None of the {items.Count} images in '{input}' could be read; see the reasons above.");
        var report = ClassificationReport.Compute(labels, [.. probabilities], predictor.Classes, topK) with { Split = Evaluation.SplitsOf(items.Select(i => i.Split)) };
        return new Evaluation(report, [.. Evaluation.Ranked(wrong)], unreadable);
    }
}
