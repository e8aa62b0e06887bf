using OnnxTransfer.Extractor.Runtime;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Reporting;

namespace OnnxTransfer.Inference;

/// <summary>
/// Scores a run's head on features already extracted (no photo is decoded again): the head runs on ONNX Runtime, as
/// <see cref="Predictor"/> runs it, over the set's rows in stored order, from memory or streamed within the set's budget.
/// </summary>
internal static class FeatureEvaluator
{
    private const int Batch = 256;

    public static Evaluation Evaluate(RunDirectory run, FeatureSet features, string? split, int topK, IProgress<int>? progress, CancellationToken ct)
    {
        CheckMatches(run, features);
        // The images themselves: augmented views (Views > 0) are for training only.
        var rows = Enumerable.Range(0, features.Rows).Where(r => features.Labels[r] >= 0 && features.Views[r] == 0 && (split is null || features.Splits[r] == split)).ToArray();
        if (rows.Length == 0)
            throw new OnnxTransferException(split is null
                ? $"Feature set '{features.Source.Directory}' has no labelled rows to evaluate."
                : $"Feature set '{features.Source.Directory}' has no labelled rows in split '{split}'; splits found: {string.Join(", ", features.Splits.Distinct().Select(s => s.Length == 0 ? "(none)" : s))}.");
        var runClasses = run.Sidecar.Classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var unknown = rows.Select(r => features.Classes[features.Labels[r]]).Distinct().Where(c => !runClasses.ContainsKey(c)).ToList();
        if (unknown.Count > 0)
            throw new OnnxTransferException(
                $"Class(es) {string.Join(", ", unknown.Take(10).Select(u => $"'{u}'"))} of '{features.Source.Directory}' are not classes of run '{run.Path}'.");

        int width = features.Width, k = run.Sidecar.Classes.Count;
        using var session = SessionFactory.Create(OnnxTransfer.Onnx.OnnxModelFile.ToBytes(run.LoadHead()), new SessionSettings());
        using var head = new BatchRunner(session, ChainExporter.HeadInput, [width], [ChainExporter.HeadOutput], [[k]], Batch);
        int windowRows = 0;
        int[]? windows = features.InMemory ? null : Windows(features, rows.Length, out windowRows);
        using var buffers = windows is null ? null : new StreamBuffers(width, windowRows);
        using var stream = windows is null ? null : new RowStream(features, rows, windows, buffers!);
        var labels = new int[rows.Length];
        var probabilities = new float[(long)rows.Length * k];
        for (int start = 0; start < rows.Length; start += Batch)
        {
            ct.ThrowIfCancellationRequested();
            int n = Math.Min(Batch, rows.Length - start);
            var input = head.Input.AsSpan(0, n * width);
            if (stream is not null) stream.Read(start, input);
            else
                for (int j = 0; j < n; j++) features.Row(rows[start + j]).CopyTo(input.Slice(j * width, width));
            head.Run(n);
            head.Outputs[0].AsSpan(0, n * k).CopyTo(probabilities.AsSpan(start * k, n * k));
            for (int j = 0; j < n; j++) labels[start + j] = runClasses[features.Classes[features.Labels[rows[start + j]]]];
            progress?.Report(start + n);
        }
        var wrong = new List<Misclassified>();
        for (int j = 0; j < rows.Length; j++)
        {
            var p = probabilities.AsSpan(j * k, k);
            int top = 0;
            for (int c = 1; c < k; c++)
                if (p[c] > p[top]) top = c;
            if (top != labels[j])
                wrong.Add(new Misclassified(features.Paths[rows[j]], run.Sidecar.Classes[labels[j]], run.Sidecar.Classes[top], p[labels[j]], p[top]));
        }
        var report = ClassificationReport.Compute(labels, probabilities, run.Sidecar.Classes, topK) with { Split = Evaluation.SplitsOf(rows.Select(r => features.Splits[r])) };
        return new Evaluation(report, [.. Evaluation.Ranked(wrong)], []);
    }

    /// <summary>The features must be what the head was trained on: the same backbone, layer, pooling and preprocessing.</summary>
    private static void CheckMatches(RunDirectory run, FeatureSet features)
    {
        var trained = run.Sidecar.Source;
        var given = features.Source;
        void Same(string what, string a, string b)
        {
            if (a != b)
                throw new OnnxTransferException(
                    $"Features '{given.Directory}' differ from those run '{run.Path}' was trained on in {what} ('{b}' vs '{a}'); extract them with the run's backbone and options.");
        }
        Same("model (sha256)", trained.ModelSha256, given.ModelSha256);
        Same("layer", run.Sidecar.FeatureLayer, features.Layer);
        foreach (var (what, a, b) in trained.ImageSettings(given)) Same(what, a, b);
    }

    /// <summary>Consecutive windows that, two at a time with a batch and a row group, stay within the set's budget.</summary>
    private static int[] Windows(FeatureSet features, int count, out int windowRows)
    {
        long largestGroup = features.Groups.Max(g => g.Rows);
        long rows = Math.Min(StreamBudget.WindowRows(features.MemoryBudget, features.Width, Batch + largestGroup), Math.Max(1, count));
        long least = Math.Min(Math.Max(Batch, largestGroup), Math.Max(1, count));
        if (rows < least)
            throw new OnnxTransferException(
                $"`MaxMemory` {features.MemoryBudget / 1e6:N1} MB is too small to stream '{features.Source.Directory}': evaluation needs " +
                $"{StreamBudget.For(least, features.Width, Batch + largestGroup) / 1e6:N1} MB (two windows of {least:N0} rows, a batch, a row group and headroom); raise `MaxMemory`.");
        windowRows = (int)rows;
        return RowStream.Consecutive(count, windowRows);
    }
}
