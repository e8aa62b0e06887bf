using System.Globalization;
using OnnxTransfer.HeadTrainer.Reporting;
using Spectre.Console;

namespace OnnxTransfer.Cli.Reports;

/// <summary>Renders a <see cref="ClassificationReport"/> as Spectre.Console tables: summary, confusion matrix, per-class metrics.</summary>
internal static class ReportConsole
{
    public static void Render(ClassificationReport report, IAnsiConsole console)
    {
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{report.Samples} samples: accuracy {report.Accuracy:P2}, top-{report.TopK} {report.TopKAccuracy:P2}, AUC {report.Auc:F4}, log loss {report.LogLoss:F4}, macro F1 {report.MacroF1:F4}")));

        var confusion = new Table { Title = new TableTitle("Confusion matrix (rows: true, columns: predicted)") };
        confusion.AddColumn("");
        foreach (var c in report.Classes) confusion.AddColumn(new TableColumn(Markup.Escape(c)).RightAligned());
        for (int r = 0; r < report.Classes.Count; r++)
            confusion.AddRow([Markup.Escape(report.Classes[r]), .. report.Confusion[r].Select(v => v.ToString(CultureInfo.InvariantCulture))]);
        console.Write(confusion);

        var perClass = new Table { Title = new TableTitle("Per class") };
        perClass.AddColumn("class");
        foreach (var h in new[] { "precision", "recall", "F1", "support" }) perClass.AddColumn(new TableColumn(h).RightAligned());
        foreach (var m in report.PerClass)
            perClass.AddRow(Markup.Escape(m.Class), F(m.Precision), F(m.Recall), F(m.F1), m.Support.ToString(CultureInfo.InvariantCulture));
        console.Write(perClass);
    }

    private static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
}
