using System.Globalization;
using OnnxTransfer.HeadTrainer.Reporting;

namespace OnnxTransfer.Cli.Reports;

/// <summary>
/// The confusion matrix as plain text for a console too narrow for the bordered table (17 classes at 80 columns):
/// columns numbered like the rows, zeros as dots, in blocks of columns that fit; for so many classes that the blocks
/// would fill screens, the most frequent confusions instead.
/// </summary>
internal static class ConfusionText
{
    private const int NameWidth = 22, MostBlocks = 3, TopConfusions = 20;

    /// <summary>The bordered table's width: each column its widest cell plus padding and a border.</summary>
    public static int TableWidth(ClassificationReport report)
    {
        int count = Digits(report.Confusion.SelectMany(r => r).DefaultIfEmpty(0).Max());
        int names = report.Classes.Select(c => c.Length).DefaultIfEmpty(0).Max();
        return 1 + (names + 3) + report.Classes.Sum(c => Math.Max(c.Length, count) + 3);
    }

    public static void Write(ClassificationReport report, int width, TextWriter w)
    {
        int k = report.Classes.Count;
        int cell = Math.Max(Digits(report.Confusion.SelectMany(r => r).DefaultIfEmpty(0).Max()), Digits(k)) + 1;
        int label = Digits(k) + 1 + Math.Min(NameWidth, report.Classes.Max(c => c.Length));
        int perBlock = Math.Max(1, (width - label) / cell);
        int blocks = (k + perBlock - 1) / perBlock;
        if (blocks > MostBlocks)
        {
            WriteTopConfusions(report, w);
            return;
        }
        w.WriteLine("Confusion matrix (rows: true, columns: predicted, numbered as the rows; . is 0)");
        for (int start = 0; start < k; start += perBlock)
        {
            int end = Math.Min(k, start + perBlock);
            w.Write(new string(' ', label));
            for (int c = start; c < end; c++) w.Write((c + 1).ToString(CultureInfo.InvariantCulture).PadLeft(cell));
            w.WriteLine();
            for (int r = 0; r < k; r++)
            {
                w.Write(Label(report, r, label));
                for (int c = start; c < end; c++)
                    w.Write((report.Confusion[r][c] == 0 ? "." : report.Confusion[r][c].ToString(CultureInfo.InvariantCulture)).PadLeft(cell));
                w.WriteLine();
            }
        }
    }

    /// <summary>"NN name", the name cut to <see cref="NameWidth"/> with a trailing "~" (the per-class table has it whole).</summary>
    private static string Label(ClassificationReport report, int r, int width)
    {
        string name = report.Classes[r];
        if (name.Length > NameWidth) name = name[..(NameWidth - 1)] + "~";
        return $"{(r + 1).ToString(CultureInfo.InvariantCulture).PadLeft(Digits(report.Classes.Count))} {name}".PadRight(width);
    }

    private static void WriteTopConfusions(ClassificationReport report, TextWriter w)
    {
        int k = report.Classes.Count;
        var pairs = Enumerable.Range(0, k).SelectMany(r => Enumerable.Range(0, k).Where(c => c != r && report.Confusion[r][c] > 0).Select(c => (r, c, n: report.Confusion[r][c])))
            .OrderByDescending(p => p.n).ThenBy(p => p.r).ThenBy(p => p.c).Take(TopConfusions).ToList();
        w.WriteLine($"Confusion matrix: {k} classes, too wide for this console;");
        w.WriteLine("the whole matrix is in report.json and confusion.png.");
        w.WriteLine(pairs.Count == 0 ? "No sample was confused." : $"The {pairs.Count} most frequent confusions (count: true -> predicted):");
        foreach (var (r, c, n) in pairs) w.WriteLine($"{n.ToString(CultureInfo.InvariantCulture),6}: {report.Classes[r]} -> {report.Classes[c]}");
    }

    private static int Digits(int v) => Math.Max(1, v).ToString(CultureInfo.InvariantCulture).Length;
}
