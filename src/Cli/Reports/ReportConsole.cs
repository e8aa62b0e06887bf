using System.Globalization;
using OnnxTransfer.HeadTrainer.Reporting;
using OnnxTransfer.Inference;
using Spectre.Console;

namespace OnnxTransfer.Cli.Reports;

/// <summary>
/// Renders a <see cref="ClassificationReport"/> for the console: summary, confusion matrix, per-class metrics, and the
/// worst misclassified items, all within the console's width (80 columns when piped).
/// </summary>
internal static class ReportConsole
{
    public static void Render(ClassificationReport report, IAnsiConsole console)
    {
        // Two short lines rather than one the console would break mid-phrase.
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{report.Samples} samples: accuracy {report.Accuracy:P2}, top-{report.TopK} {report.TopKAccuracy:P2}, macro F1 {report.MacroF1:F4}")));
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"AUC {report.Auc:F4}, log loss {report.LogLoss:F4}")));

        int width = console.Profile.Width;
        if (ConfusionText.TableWidth(report) <= width) console.Write(ConfusionTable(report));
        else ConfusionText.Write(report, width, console.Profile.Out.Writer);

        var perClass = new Table { Title = new TableTitle("Per class") };
        perClass.AddColumn("class");
        foreach (var h in new[] { "precision", "recall", "F1", "support" }) perClass.AddColumn(new TableColumn(h).RightAligned());
        foreach (var m in report.PerClass)
            perClass.AddRow(Markup.Escape(m.Class), F(m.Precision), F(m.Recall), F(m.F1), m.Support.ToString(CultureInfo.InvariantCulture));
        console.Write(perClass);
    }

    /// <summary>
    /// The <paramref name="count"/> worst misclassified (<see cref="Evaluation.Worst"/>), two lines each: the classes and
    /// probabilities, then the path on a line of its own, written whole so it can be copied however long it is.
    /// </summary>
    public static void RenderWorst(Evaluation evaluation, int count, IAnsiConsole console)
    {
        var worst = evaluation.Worst(count);
        var w = console.Profile.Out.Writer;
        w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"worst {worst.Count} of {evaluation.Misclassified.Count} misclassified (highest probability on a wrong class first):"));
        foreach (var m in worst)
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {m.PredictedProbability,7:P1}  {m.PredictedClass}  (true: {m.TrueClass}, {m.TrueProbability:P1})"));
            w.WriteLine($"           {m.Path}");
        }
    }

    private static Table ConfusionTable(ClassificationReport report)
    {
        var confusion = new Table { Title = new TableTitle("Confusion matrix (rows: true, columns: predicted)") };
        confusion.AddColumn("");
        foreach (var c in report.Classes) confusion.AddColumn(new TableColumn(Markup.Escape(c)).RightAligned());
        for (int r = 0; r < report.Classes.Count; r++)
            confusion.AddRow([Markup.Escape(report.Classes[r]), .. report.Confusion[r].Select(v => v.ToString(CultureInfo.InvariantCulture))]);
        return confusion;
    }

    private static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
}
