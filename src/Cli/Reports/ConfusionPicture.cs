using System.Globalization;
using OnnxTransfer.HeadTrainer.Reporting;
using ScottPlot;

namespace OnnxTransfer.Cli.Reports;

/// <summary>
/// The confusion matrix as a heatmap: each row (a true class) divided by its count, on a fixed 0-1 colour scale, so
/// pictures of two runs compare at a glance; the raw count is written in each cell while cells are large enough to read.
/// </summary>
internal static class ConfusionPicture
{
    /// <summary>Counts are written only while a cell is at least this many pixels wide.</summary>
    private const int CountsFrom = 22;

    public static void Save(ClassificationReport report, string path) => PngFile.Save(Render(report), path);

    /// <summary>The PNG bytes, for a report that embeds the picture.</summary>
    public static byte[] Png(ClassificationReport report)
    {
        using var image = Render(report);
        return image.GetImageBytes(ImageFormat.Png);
    }

    private static ScottPlot.Image Render(ClassificationReport report)
    {
        int k = report.Classes.Count;
        // The figure grows with the class count, so names and counts keep a legible size (17 classes: 40 px a cell).
        int cell = k <= 12 ? 56 : k <= 24 ? 40 : k <= 50 ? 24 : 14;
        float fontSize = cell >= 40 ? 14 : cell >= 24 ? 11 : 9;
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(RowFractions(report));
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = "fraction of the true class's samples";
        bar.LabelStyle.FontSize = 14;
        bar.Axis.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(0.1);
        // The bar's label is placed without measuring the tick labels beside it: it is given room for "0.9".
        if (bar.Axis is ScottPlot.AxisPanels.AxisBase axis) axis.PaddingBetweenTickAndAxisLabels = new PixelPadding(8);
        if (cell >= CountsFrom) WriteCounts(plot, report, fontSize);

        double[] ticks = Enumerable.Range(0, k).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(ticks, [.. report.Classes]);
        plot.Axes.Left.SetTicks(ticks, [.. report.Classes.Reverse()]);
        // Vertical names, read bottom to top and ending at their tick, never overlap however many classes there are.
        plot.Axes.Bottom.TickLabelStyle.Rotation = -90;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.TickLabelStyle.FontSize = fontSize;
        plot.Axes.Left.TickLabelStyle.FontSize = fontSize;
        // The rotated names' length is not measured by the axis: room is made for the longest.
        float longest = report.Classes.Count == 0 ? 0 : report.Classes.Max(c => c.Length) * fontSize * 0.62f;
        plot.Axes.Bottom.MinimumSize = longest + 40;
        plot.Axes.Margins(0, 0);
        plot.XLabel("predicted class");
        plot.YLabel("true class");
        plot.Title($"Confusion matrix ({report.Samples.ToString("N0", CultureInfo.InvariantCulture)} samples, rows sum to 1)");
        int side = Math.Max(k * cell, 320);
        return plot.GetImage(side + (int)longest + 260, side + (int)longest + 140);
    }

    private static double[,] RowFractions(ClassificationReport report)
    {
        int k = report.Classes.Count;
        var values = new double[k, k];
        for (int r = 0; r < k; r++)
        {
            // A class with no samples stays an empty (zero) row rather than a division by zero.
            double total = Math.Max(1, report.Confusion[r].Sum());
            for (int c = 0; c < k; c++) values[r, c] = report.Confusion[r][c] / total;
        }
        return values;
    }

    private static void WriteCounts(Plot plot, ClassificationReport report, float fontSize)
    {
        int k = report.Classes.Count;
        for (int r = 0; r < k; r++)
        {
            double total = Math.Max(1, report.Confusion[r].Sum());
            for (int c = 0; c < k; c++)
            {
                // Heatmap row 0 is drawn at the top: cell (r, c) is centred at x = c, y = k - 1 - r.
                var text = plot.Add.Text(report.Confusion[r][c].ToString(CultureInfo.InvariantCulture), c, k - 1 - r);
                // Viridis is dark below about 0.6 and light above: the count takes the opposite colour.
                text.LabelFontColor = report.Confusion[r][c] / total > 0.6 ? Colors.Black : Colors.White;
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = fontSize;
            }
        }
    }
}
