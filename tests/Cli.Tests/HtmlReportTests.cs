using System.Globalization;
using OnnxTransfer.Cli.Reports;
using OnnxTransfer.HeadTrainer.Reporting;
using OnnxTransfer.Inference;
using Xunit;

namespace OnnxTransfer.Cli.Tests;

public class HtmlReportTests
{
    private static readonly string[] Hostile = ["<script>alert(1)</script>", "a & b", "\"quoted\" 'single'", "tab\there\u0001bell", "ünïcødé"];

    [Fact]
    public void Hostile_class_and_file_names_are_text_in_a_well_formed_page_that_references_nothing_outside_it()
    {
        var rng = new Random(3);
        int n = 40, k = Hostile.Length;
        var labels = Enumerable.Range(0, n).Select(i => i % k).ToArray();
        var p = Enumerable.Range(0, n * k).Select(_ => (float)rng.NextDouble()).ToArray();
        var report = ClassificationReport.Compute(labels, p, Hostile, 3);
        var wrong = Enumerable.Range(0, 5).Select(i => new Misclassified($"{Hostile[i]}/<img src=x onerror=alert(1)>&{i}.jpg", Hostile[i], Hostile[(i + 1) % k], 0.1f, 0.2f + i / 10f)).ToList();
        var evaluation = new Evaluation(report, wrong, [new PredictionResult("<b>broken</b>.jpg", null, "not a supported image")]);
        var worst = WorstThumbnails.For(evaluation.Worst(HtmlReport.WorstCount), null);
        string html = HtmlReport.Render(evaluation, new EvaluatedData("/runs/<r>&", "/data/\"x\"", "val", FromFeatures: true), worst, [0x89, 0x50, 0x4E, 0x47]);

        var doc = HtmlReportCheck.Parse(html);
        // Markup in a name stays text: no element but the page's own.
        Assert.DoesNotContain(doc.Descendants(), e => e.Name.LocalName is "b" or "script" || (e.Name.LocalName == "img" && (string?)e.Attribute("onerror") is not null));
        string text = doc.Root!.Value;
        foreach (string name in Hostile.Where(h => !h.Contains('\u0001', StringComparison.Ordinal) && !h.Contains('\t', StringComparison.Ordinal)))
            Assert.Contains(name, text, StringComparison.Ordinal);
        // A control character, invalid in HTML and XML, is shown as an escape.
        Assert.Contains("tab\\x09here\\x01bell", text, StringComparison.Ordinal);
        Assert.Contains("<b>broken</b>.jpg: not a supported image", text, StringComparison.Ordinal);
        var items = HtmlReportCheck.Items(doc);
        Assert.Equal(evaluation.Worst(24).Select(m => m.Path.Replace("\t", "\\x09", StringComparison.Ordinal).Replace("\u0001", "\\x01", StringComparison.Ordinal)),
                     items.Select(i => (string)i.Attribute("data-path")!));
        Assert.All(items, i => Assert.Null(HtmlReportCheck.Thumbnail(i)));
        Assert.Contains("no photo was decoded, so there are no thumbnails", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_page_shows_the_evaluation_s_numbers()
    {
        var rng = new Random(8);
        int n = 300, k = 17;
        var classes = Enumerable.Range(0, k).Select(i => $"class{i}").ToArray();
        var labels = Enumerable.Range(0, n).Select(_ => rng.Next(k)).ToArray();
        var p = new float[n * k];
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < k; c++) p[i * k + c] = (float)rng.NextDouble() + (c == labels[i] ? 1.5f : 0);
            float sum = p.AsSpan(i * k, k).ToArray().Sum();
            for (int c = 0; c < k; c++) p[i * k + c] /= sum;
        }
        var report = ClassificationReport.Compute(labels, p, classes, 5);
        var doc = HtmlReportCheck.Parse(HtmlReport.Render(new Evaluation(report, [], []), new EvaluatedData("run", "photos", null, false), [], [1, 2, 3]));

        Assert.Equal(Percent(report.Accuracy), HtmlReportCheck.ById(doc, "accuracy").Value);
        Assert.Equal(Percent(report.TopKAccuracy), HtmlReportCheck.ById(doc, "top-k-accuracy").Value);
        Assert.Equal(report.MacroF1.ToString("F4", CultureInfo.InvariantCulture), HtmlReportCheck.ById(doc, "macro-f1").Value);
        Assert.Equal(report.Auc.ToString("F4", CultureInfo.InvariantCulture), HtmlReportCheck.ById(doc, "auc").Value);
        Assert.Equal($"{report.Samples} images", HtmlReportCheck.ById(doc, "samples").Value);
        var rows = HtmlReportCheck.ById(doc, "per-class").Elements().Skip(1).Select(r => r.Elements().Select(c => c.Value).ToArray()).ToList();
        Assert.Equal(report.PerClass.Select(m => new[]
        {
            m.Class, m.Precision.ToString("F4", CultureInfo.InvariantCulture), m.Recall.ToString("F4", CultureInfo.InvariantCulture),
            m.F1.ToString("F4", CultureInfo.InvariantCulture), m.Support.ToString(CultureInfo.InvariantCulture),
        }), rows);
        Assert.Equal("data:image/png;base64,AQID", (string)HtmlReportCheck.ById(doc, "confusion").Attribute("src")!);
        Assert.Contains("Nothing was misclassified.", doc.Root!.Value, StringComparison.Ordinal);
    }

    private static string Percent(double v) => (v * 100).ToString("F2", CultureInfo.InvariantCulture) + " %";
}
