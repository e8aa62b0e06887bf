using System.Globalization;
using System.Text;
using OnnxTransfer.HeadTrainer.Reporting;
using OnnxTransfer.Inference;
using OnnxTransfer.IO;

namespace OnnxTransfer.Cli.Reports;

/// <summary>What was evaluated, for the report's first lines.</summary>
/// <param name="FromFeatures">Scored from a feature folder: no photo was decoded, so there are no thumbnails.</param>
internal sealed record EvaluatedData(string Run, string Input, string? Split, bool FromFeatures);

/// <summary>One of the worst misclassified items with its thumbnail, or the reason there is none.</summary>
internal sealed record WorstItem(Misclassified Item, byte[]? Jpeg, string? NoThumbnail);

/// <summary>
/// report.html: one self-contained page (inline CSS, pictures as data: URIs, no script, no link to a file or the
/// network) with what was evaluated, the overall and per-class metrics, the confusion matrix and the worst
/// misclassified photos. It is written as XHTML-compatible HTML5, so a strict XML parser reads it (the tests do).
/// </summary>
internal static class HtmlReport
{
    public const string FileName = "report.html";

    /// <summary>How many of the worst misclassified items the page shows.</summary>
    public const int WorstCount = 24;

    private const string Style = """
        body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; color: #222; }
        h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
        table { border-collapse: collapse; } td, th { padding: 0.2em 0.8em; border-bottom: 1px solid #eee; text-align: left; }
        td.n { text-align: right; font-variant-numeric: tabular-nums; }
        .facts th { font-weight: normal; color: #666; }
        .worst { display: flex; flex-wrap: wrap; gap: 1em; }
        figure { margin: 0; width: 13em; } .thumb { height: 128px; display: flex; align-items: flex-end; } .thumb img { display: block; }
        #confusion { max-width: 100%; }
        figcaption { font-size: 0.85em; overflow-wrap: anywhere; } .wrong { color: #b22222; } .note { color: #666; }
        """;

    public static void Save(string path, Evaluation evaluation, EvaluatedData data, IReadOnlyList<WorstItem> worst, byte[] confusionPng) =>
        AtomicFile.WriteAllText(path, Render(evaluation, data, worst, confusionPng));

    public static string Render(Evaluation evaluation, EvaluatedData data, IReadOnlyList<WorstItem> worst, byte[] confusionPng)
    {
        var r = evaluation.Report;
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n");
        h.Append("<title>").Append(E($"Evaluation of {data.Run}")).Append("</title>\n<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        h.Append("<h1>").Append(E($"Evaluation of {data.Run}")).Append("</h1>\n");
        Facts(h, evaluation, data);
        Overall(h, r);
        PerClass(h, r);
        h.Append("<h2>Confusion matrix</h2>\n<p class=\"note\">Rows: true class, columns: predicted; each row divided by its count (colour scale fixed at 0 to 1), counts in the cells.</p>\n");
        h.Append("<img id=\"confusion\" alt=\"confusion matrix\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(confusionPng)).Append("\" />\n");
        Worst(h, evaluation, data, worst);
        h.Append("</body>\n</html>\n");
        return h.ToString();
    }

    private static void Facts(StringBuilder h, Evaluation evaluation, EvaluatedData data)
    {
        h.Append("<table class=\"facts\">\n");
        Row(h, "run", data.Run);
        Row(h, data.FromFeatures ? "features" : "photos", data.Input);
        Row(h, "split", data.Split ?? "every labelled " + (data.FromFeatures ? "row" : "image"));
        if (evaluation.Report.ChoseEpoch) Row(h, "chose the epoch", "yes: these rows chose the run's epoch, so its numbers read optimistic");
        Row(h, "evaluated", $"{N(evaluation.Report.Samples)} {(data.FromFeatures ? "feature rows" : "images")}", "samples");
        Row(h, "misclassified", N(evaluation.Misclassified.Count), "misclassified");
        Row(h, "skipped (unreadable)", data.FromFeatures
            ? "none here: photos the extraction could not read have no row (they are in its errors.tsv)"
            : N(evaluation.Unreadable.Count), "unreadable");
        h.Append("</table>\n");
        if (evaluation.Unreadable.Count > 0)
        {
            h.Append("<ul id=\"unreadable-list\">\n");
            foreach (var u in evaluation.Unreadable) h.Append("<li>").Append(E($"{u.Path}: {u.Error}")).Append("</li>\n");
            h.Append("</ul>\n");
        }
        foreach (string w in evaluation.Report.Warnings) h.Append("<p class=\"wrong\">").Append(E(LibraryTerms.ToCli(w))).Append("</p>\n");
    }

    private static void Overall(StringBuilder h, ClassificationReport r)
    {
        h.Append("<h2>Overall</h2>\n<table class=\"facts\">\n");
        Row(h, "accuracy", P(r.Accuracy), "accuracy");
        Row(h, $"top-{r.TopK} accuracy", P(r.TopKAccuracy), "top-k-accuracy");
        Row(h, "macro F1", F(r.MacroF1), "macro-f1");
        Row(h, "weighted F1", F(r.WeightedF1), "weighted-f1");
        Row(h, r.Classes.Count == 2 ? "ROC AUC" : "ROC AUC (macro, one-vs-rest)", double.IsNaN(r.Auc) ? "n/a (no class has both outcomes)" : F(r.Auc), "auc");
        Row(h, "log loss", F(r.LogLoss), "log-loss");
        h.Append("</table>\n");
    }

    private static void PerClass(StringBuilder h, ClassificationReport r)
    {
        h.Append("<h2>Per class</h2>\n<table id=\"per-class\">\n<tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>\n");
        foreach (var m in r.PerClass)
            h.Append("<tr><td>").Append(E(m.Class)).Append("</td><td class=\"n\">").Append(F(m.Precision)).Append("</td><td class=\"n\">").Append(F(m.Recall))
             .Append("</td><td class=\"n\">").Append(F(m.F1)).Append("</td><td class=\"n\">").Append(N(m.Support)).Append("</td></tr>\n");
        h.Append("</table>\n");
    }

    private static void Worst(StringBuilder h, Evaluation evaluation, EvaluatedData data, IReadOnlyList<WorstItem> worst)
    {
        h.Append("<h2>").Append(E($"Worst {worst.Count} of {N(evaluation.Misclassified.Count)} misclassified")).Append("</h2>\n");
        if (worst.Count == 0)
        {
            h.Append("<p>Nothing was misclassified.</p>\n");
            return;
        }
        h.Append("<p class=\"note\">Highest probability on a wrong class first.");
        if (data.FromFeatures) h.Append(" Evaluated from feature rows: no photo was decoded, so there are no thumbnails; the items are listed by path.");
        h.Append("</p>\n<div class=\"worst\">\n");
        foreach (var w in worst)
        {
            var m = w.Item;
            h.Append("<figure class=\"item\" data-path=\"").Append(E(m.Path)).Append("\" data-true=\"").Append(E(m.TrueClass))
             .Append("\" data-predicted=\"").Append(E(m.PredictedClass)).Append("\" data-p-true=\"").Append(R(m.TrueProbability))
             .Append("\" data-p-predicted=\"").Append(R(m.PredictedProbability)).Append("\">\n");
            if (w.Jpeg is { } jpeg)
                h.Append("<div class=\"thumb\"><img alt=\"").Append(E(m.Path)).Append("\" src=\"data:image/jpeg;base64,").Append(Convert.ToBase64String(jpeg)).Append("\" /></div>\n");
            else if (w.NoThumbnail is { } reason)
                h.Append("<p class=\"note\">").Append(E($"no thumbnail: {reason}")).Append("</p>\n");
            h.Append("<figcaption><span class=\"wrong\">").Append(E($"{m.PredictedClass} {P(m.PredictedProbability)}")).Append("</span><br />")
             .Append(E($"true: {m.TrueClass} {P(m.TrueProbability)}")).Append("<br />").Append(E(m.Path)).Append("</figcaption>\n</figure>\n");
        }
        h.Append("</div>\n");
    }

    private static void Row(StringBuilder h, string name, string value, string? id = null)
    {
        h.Append("<tr><th>").Append(E(name)).Append("</th><td");
        if (id is not null) h.Append(" id=\"").Append(id).Append('"');
        h.Append('>').Append(E(value)).Append("</td></tr>\n");
    }

    private static string E(string text) => HtmlText.Escape(text);

    private static string N(int v) => v.ToString("N0", CultureInfo.InvariantCulture);

    private static string P(double v) => double.IsNaN(v) ? "n/a" : (v * 100).ToString("F2", CultureInfo.InvariantCulture) + " %";

    private static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F4", CultureInfo.InvariantCulture);

    /// <summary>Round-trip precision for the machine-read attributes.</summary>
    private static string R(float p) => p.ToString("R", CultureInfo.InvariantCulture);
}
