using OnnxTransfer.HeadTrainer.Reporting;
using OnnxTransfer.IO;
using ScottPlot;

namespace OnnxTransfer.Cli.Reports;

/// <summary>PNG charts of a training run: metric curves per epoch and the confusion-matrix heatmap.</summary>
internal static class Plots
{
    /// <summary>One panel per metric ("loss", "accuracy", ...), each with its train and val series, side by side.</summary>
    public static void SaveCurves(string path, IReadOnlyList<int> epochs, IReadOnlyList<(string Title, double[] Train, double[] Val)> panels)
    {
        var multi = new Multiplot();
        multi.AddPlots(panels.Count);
        for (int i = 0; i < panels.Count; i++)
        {
            var plot = multi.GetPlot(i);
            double[] xs = epochs.Select(e => (double)e).ToArray();
            var (title, train, val) = panels[i];
            var a = plot.Add.Scatter(xs, train);
            a.LegendText = "train";
            var b = plot.Add.Scatter(xs, val);
            b.LegendText = "val";
            plot.Title(title);
            plot.XLabel("epoch");
            plot.ShowLegend();
        }
        multi.Layout = new ScottPlot.MultiplotLayouts.Columns();
        Save(multi.Render(480 * panels.Count, 400), path);
    }

    /// <summary>Heatmap of row-normalized counts with the raw count written in each cell.</summary>
    public static void SaveConfusion(ClassificationReport report, string path)
    {
        int k = report.Classes.Count;
        var values = new double[k, k];
        for (int r = 0; r < k; r++)
        {
            double total = Math.Max(1, report.Confusion[r].Sum());
            for (int c = 0; c < k; c++) values[r, c] = report.Confusion[r][c] / total;
        }
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(heatmap);
        for (int r = 0; r < k; r++)
            for (int c = 0; c < k; c++)
            {
                // Heatmap row 0 is drawn at the top: cell (r, c) is centred at x = c, y = k - 1 - r.
                var text = plot.Add.Text(report.Confusion[r][c].ToString(System.Globalization.CultureInfo.InvariantCulture), c, k - 1 - r);
                text.LabelFontColor = values[r, c] > 0.5 ? Colors.Black : Colors.White;
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = k > 10 ? 10 : 16;
            }
        double[] ticks = Enumerable.Range(0, k).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(ticks, report.Classes.ToArray());
        plot.Axes.Left.SetTicks(ticks, report.Classes.Reverse().ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = k > 4 ? 45 : 0;
        plot.XLabel("predicted");
        plot.YLabel("true");
        plot.Title("Confusion matrix");
        int side = Math.Clamp(120 + 48 * k, 480, 1600);
        Save(plot.GetImage(side + 120, side), path);
    }

    /// <summary>Encodes in memory and writes atomically, so a full disk is an error, not a truncated PNG.</summary>
    private static void Save(ScottPlot.Image image, string path)
    {
        using (image) AtomicFile.WriteAllBytes(path, image.GetImageBytes(ScottPlot.ImageFormat.Png));
    }
}
