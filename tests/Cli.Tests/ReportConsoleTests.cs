using System.Globalization;
using OnnxTransfer.Cli.Reports;
using OnnxTransfer.HeadTrainer.Reporting;
using OnnxTransfer.Inference;
using Spectre.Console;
using Xunit;

namespace OnnxTransfer.Cli.Tests;

public class ReportConsoleTests
{
    private static readonly string[] Flowers =
        ["bluebell", "buttercup", "coltsfoot", "cowslip", "crocus", "daffodil", "daisy", "dandelion", "fritillary", "iris",
         "lilyvalley", "pansy", "snowdrop", "sunflower", "tigerlily", "tulip", "windflower"];

    [Fact]
    public void Seventeen_classes_fit_80_columns_and_the_numbered_matrix_reads_back_as_the_confusion()
    {
        var report = RandomReport(Flowers, 400, seed: 1);
        string[] lines = Render(c => ReportConsole.Render(report, c));
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        for (int r = 0; r < Flowers.Length; r++)
        {
            string prefix = $"{r + 1,2} {Flowers[r]} ";
            var row = Assert.Single(lines, l => l.StartsWith(prefix, StringComparison.Ordinal));
            var cells = row[prefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => v == "." ? 0 : int.Parse(v, CultureInfo.InvariantCulture));
            Assert.Equal(report.Confusion[r], cells);
        }
    }

    [Fact]
    public void Two_classes_keep_the_bordered_table_and_a_hundred_list_their_most_frequent_confusions_within_80_columns()
    {
        var two = Render(c => ReportConsole.Render(RandomReport(["ants", "bees"], 50, seed: 2), c));
        Assert.All(two, l => Assert.True(l.Length <= 80, l));
        Assert.Contains(two, l => l.StartsWith("│ ants", StringComparison.Ordinal));

        var classes = Enumerable.Range(0, 100).Select(i => $"class{i:D3}").ToArray();
        var report = RandomReport(classes, 3000, seed: 3);
        var lines = Render(c => ReportConsole.Render(report, c));
        Assert.All(lines, l => Assert.True(l.Length <= 80, l));
        var (r, c, n) = Enumerable.Range(0, 100).SelectMany(r => Enumerable.Range(0, 100).Where(c => c != r).Select(c => (r, c, n: report.Confusion[r][c])))
            .OrderByDescending(p => p.n).ThenBy(p => p.r).ThenBy(p => p.c).First();
        int at = Array.FindIndex(lines, l => l.StartsWith("The 20 most frequent confusions", StringComparison.Ordinal));
        Assert.Equal($"{n,6}: {classes[r]} -> {classes[c]}", lines[at + 1]);
    }

    [Fact]
    public void A_long_path_in_the_worst_list_is_printed_whole_on_its_own_line()
    {
        string path = string.Join('/', Enumerable.Repeat("a-rather-long-folder-name", 8)) + "/photo.jpg";
        var evaluation = new Evaluation(RandomReport(["a", "b"], 10, 4), [new Misclassified(path, "a", "b", 0.1f, 0.9f)], []);
        var lines = Render(c => ReportConsole.RenderWorst(evaluation, 10, c));
        Assert.Contains(lines, l => l.Trim() == path);
        Assert.Contains("   90.0 %  b  (true: a, 10.0 %)", lines);
    }

    /// <summary>What a console 80 columns wide without colour (as when piped) shows.</summary>
    private static string[] Render(Action<IAnsiConsole> render)
    {
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 80;
        render(console);
        return writer.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
    }

    private static ClassificationReport RandomReport(string[] classes, int n, int seed)
    {
        var rng = new Random(seed);
        int k = classes.Length;
        var labels = Enumerable.Range(0, n).Select(_ => rng.Next(k)).ToArray();
        var p = new float[n * k];
        for (int i = 0; i < n; i++) p[i * k + (rng.NextDouble() < 0.7 ? labels[i] : rng.Next(k))] = 1;
        return ClassificationReport.Compute(labels, p, classes, 5);
    }
}
