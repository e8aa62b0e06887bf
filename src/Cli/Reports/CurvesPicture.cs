using System.Globalization;
using OnnxTransfer.HeadTrainer.Training;
using ScottPlot;

namespace OnnxTransfer.Cli.Reports;

/// <summary>
/// The learning curves of a run: one panel per metric (loss, accuracy, AUC) with its train and val lines, and a
/// shorter learning-rate panel below them, each marking the best epoch (the one early stopping chose).
/// </summary>
internal static class CurvesPicture
{
    private const int PanelWidth = 520, PanelHeight = 380, RatePanelHeight = 220;

    /// <param name="bestEpoch">The best epoch by the monitored metric, 1-based; below 1 when no epoch was scored.</param>
    /// <param name="restored">Whether the head holds the best epoch's weights (else the last epoch's), said on the mark.</param>
    /// <param name="learningRate">False for a full-batch solver, whose history has no learning rate to show.</param>
    public static void Save(string path, IReadOnlyList<EpochMetrics> history, int bestEpoch, bool restored, bool learningRate)
    {
        double[] epochs = history.Select(h => (double)h.Epoch).ToArray();
        // A new Multiplot starts with one empty plot: it is given the first panel instead.
        var multi = new Multiplot(Metric("loss", epochs, history.Select(h => h.Loss), history.Select(h => h.ValLoss), bestEpoch, restored));
        multi.AddPlot(Metric("accuracy", epochs, history.Select(h => h.Accuracy), history.Select(h => h.ValAccuracy), bestEpoch, restored));
        multi.AddPlot(Metric("AUC", epochs, history.Select(h => h.Auc), history.Select(h => h.ValAuc), bestEpoch, restored));
        if (learningRate) multi.AddPlot(Rate(epochs, history.Select(h => h.LearningRate).ToArray(), bestEpoch));
        multi.Layout = new MetricsOverRate(learningRate);
        int height = PanelHeight + (learningRate ? RatePanelHeight : 0);
        PngFile.Save(multi.Render(3 * PanelWidth, height), path);
    }

    private static Plot Metric(string name, double[] epochs, IEnumerable<double> train, IEnumerable<double> val, int best, bool restored)
    {
        var plot = new Plot();
        var a = plot.Add.Scatter(epochs, train.ToArray());
        a.LegendText = "train";
        var b = plot.Add.Scatter(epochs, val.ToArray());
        b.LegendText = "val";
        Style(plot, name, epochs[^1]);
        MarkBest(plot, best, epochs[^1], restored ? "best (restored)" : "best (not restored)");
        // Outside the data area, so it never hides a curve.
        var legend = plot.ShowLegend(Edge.Right);
        legend.Legend.Orientation = Orientation.Vertical;
        legend.Alignment = Alignment.UpperCenter;
        return plot;
    }

    private static Plot Rate(double[] epochs, double[] rates, int best)
    {
        var plot = new Plot();
        var line = plot.Add.Scatter(epochs, rates);
        line.Color = Colors.DimGray;
        Style(plot, "learning rate", epochs[^1]);
        // Rates span decades (1e-3 down to 1e-6): scientific ticks keep the labels short and distinct.
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            LabelFormatter = v => v == 0 ? "0" : v.ToString("0.##E+0", CultureInfo.InvariantCulture),
        };
        MarkBest(plot, best, epochs[^1], "best");
        return plot;
    }

    private static void Style(Plot plot, string name, double lastEpoch)
    {
        plot.YLabel(name);
        plot.XLabel("epoch");
        // Integer epochs only: a single epoch would otherwise get ticks at 0.5 and 1.5.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        // The same epoch range in every panel, so the best-epoch marks line up; a single epoch gets room either side.
        plot.Axes.SetLimitsX(0.5, lastEpoch + 0.5);
        // Room above the data area for the best-epoch label.
        plot.Axes.Top.MinimumSize = 30;
    }

    private static void MarkBest(Plot plot, int best, double lastEpoch, string what)
    {
        if (best < 1) return;
        var line = plot.Add.VerticalLine(best, 1.5f, Colors.FireBrick, LinePattern.Dashed);
        line.Text = $"{what}: {best.ToString(CultureInfo.InvariantCulture)}";
        line.LabelOppositeAxis = true;
        // Centred on the line, the label of an early or late best epoch would run off the figure: it extends inwards instead.
        line.ManualLabelAlignment = best - 0.5 < lastEpoch / 3 ? Alignment.LowerLeft : best + 0.5 > 2 * lastEpoch / 3 ? Alignment.LowerRight : null;
        line.ExcludeFromLegend = true;
    }

    /// <summary>The metric panels side by side on top; the learning-rate panel, when there is one, the full width below.</summary>
    private sealed class MetricsOverRate(bool rate) : IMultiplotLayout
    {
        public PixelRect[] GetSubplotRectangles(SubplotCollection subplots, PixelRect figure)
        {
            float top = rate ? figure.Height * PanelHeight / (PanelHeight + RatePanelHeight) : figure.Height;
            float width = figure.Width / 3;
            var rects = new List<PixelRect>();
            for (int i = 0; i < 3; i++) rects.Add(new PixelRect(figure.Left + i * width, figure.Left + (i + 1) * width, figure.Top + top, figure.Top));
            if (rate) rects.Add(new PixelRect(figure.Left, figure.Right, figure.Bottom, figure.Top + top));
            return [.. rects];
        }
    }
}
