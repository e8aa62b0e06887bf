using System.Globalization;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.HeadTrainer.Reporting;
using OnnxTransfer.Inference;
using OnnxTransfer.IO;
using Xunit;

namespace OnnxTransfer.Cli.Tests;

/// <summary>report.html as `evaluate` writes it, on the demo's run and photos.</summary>
[Collection(DemoRun.Collection)]
public class EvaluateReportCliTests(DemoRun demo)
{
    private string Run => Path.Combine(demo.Root, "run");

    [Fact]
    public void Evaluate_in_a_child_process_writes_a_report_whose_thumbnails_are_the_photos_it_predicted_worst()
    {
        // The demo's validation photos under names holding markup, an ampersand and both quotes.
        string photos = demo.File("hostile-names");
        int i = 0;
        foreach (string file in Directory.EnumerateFiles(Path.Combine(demo.Root, "data", "val"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string folder = Path.Combine(photos, "val", Path.GetFileName(Path.GetDirectoryName(file)!));
            Directory.CreateDirectory(folder);
            File.Copy(file, Path.Combine(folder, $"{i++:D2} <b>&amp; \"it's\".jpg"));
        }
        string output = demo.File("eval-html");
        var r = ChildCli.Run(TimeSpan.FromMinutes(3), "evaluate", Run, photos, "--split", "val", "-o", output, "--quiet");
        Assert.True(r.ExitCode == 0, r.Error);

        var doc = HtmlReportCheck.Parse(File.ReadAllText(Path.Combine(output, "report.html")));
        var report = ClassificationReport.FromJson(File.ReadAllText(Path.Combine(output, "report.json")));
        Assert.Equal((report.Accuracy * 100).ToString("F2", CultureInfo.InvariantCulture) + " %", HtmlReportCheck.ById(doc, "accuracy").Value);
        Assert.Equal($"{report.Samples} images", HtmlReportCheck.ById(doc, "samples").Value);

        // The worst, recomputed from the run's own predictions on each photo.
        var items = InputScanner.Scan(photos).Items;
        using var predictor = Predictor.FromRunDirectory(Run);
        var expected = predictor.PredictFiles(items.Select(x => x.FullPath)).Zip(items)
            .Select(p => (Item: p.Second, Probabilities: p.First.Prediction!.Probabilities))
            .Select(p => (p.Item, True: p.Probabilities[predictor.Classes.ToList().IndexOf(p.Item.Label)], Predicted: p.Probabilities.Max()))
            .Where(p => p.Predicted > p.True)
            .OrderByDescending(p => p.Predicted).ThenBy(p => p.True).ThenBy(p => p.Item.RelativePath, StringComparer.Ordinal)
            .Take(24).ToList();
        Assert.NotEmpty(expected);
        var listed = HtmlReportCheck.Items(doc);
        Assert.Equal(expected.Select(e => e.Item.RelativePath), listed.Select(x => (string)x.Attribute("data-path")!));
        foreach (var (e, x) in expected.Zip(listed))
        {
            Assert.Equal(e.Predicted, float.Parse((string)x.Attribute("data-p-predicted")!, CultureInfo.InvariantCulture), 1e-5f);
            Assert.Equal(e.True, float.Parse((string)x.Attribute("data-p-true")!, CultureInfo.InvariantCulture), 1e-5f);
            Assert.Equal(e.Item.Label, (string)x.Attribute("data-true")!);
            // The picture shown is that photo's thumbnail.
            Assert.Equal(Thumbnail.Jpeg(e.Item.FullPath), HtmlReportCheck.Thumbnail(x));
        }
    }

    [Fact]
    public void Evaluate_on_features_lists_its_worst_by_path_and_says_there_are_no_thumbnails()
    {
        string output = demo.File("eval-html-features");
        var r = Cli.Run("evaluate", Run, Path.Combine(demo.Root, "features"), "--split", "val", "-o", output, "--quiet");
        Assert.True(r.ExitCode == 0, r.Error);
        var doc = HtmlReportCheck.Parse(File.ReadAllText(Path.Combine(output, "report.html")));
        Assert.Contains("no photo was decoded, so there are no thumbnails", doc.Root!.Value, StringComparison.Ordinal);
        var listed = HtmlReportCheck.Items(doc);
        Assert.All(listed, x => Assert.Null(HtmlReportCheck.Thumbnail(x)));
        // misclassified.tsv is in the ranking the page shows: most confident mistake first, then lowest true probability, then path.
        var wrong = File.ReadAllLines(Path.Combine(output, "misclassified.tsv")).Skip(1).Select(l => l.Split('\t'))
            .Select(f => (Path: Delimited.TsvUnescape(f[0]), True: float.Parse(f[2], CultureInfo.InvariantCulture), Predicted: float.Parse(f[4], CultureInfo.InvariantCulture))).ToList();
        var ranked = wrong.OrderByDescending(m => m.Predicted).ThenBy(m => m.True).ThenBy(m => m.Path, StringComparer.Ordinal).ToList();
        Assert.Equal(ranked, wrong);
        Assert.NotEmpty(listed);
        Assert.Equal(ranked.Take(24).Select(m => m.Path), listed.Select(x => (string)x.Attribute("data-path")!));
    }
}
