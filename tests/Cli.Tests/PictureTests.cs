using OnnxTransfer.Cli.Reports;
using OnnxTransfer.HeadTrainer.Reporting;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.Tests;
using SkiaSharp;
using Xunit;

namespace OnnxTransfer.Cli.Tests;

public class PictureTests
{
    [Fact]
    public void The_confusion_picture_grows_with_the_class_count_so_names_keep_their_size()
    {
        var sizes = new[] { 2, 17, 100 }.Select(k =>
        {
            var labels = Enumerable.Range(0, 3 * k).Select(i => i % k).ToArray();
            var p = new float[labels.Length * k];
            for (int i = 0; i < labels.Length; i++) p[i * k + labels[i]] = 1;
            using var png = SKBitmap.Decode(ConfusionPicture.Png(ClassificationReport.Compute(labels, p, [.. Enumerable.Range(0, k).Select(c => $"class {c}")], 1)));
            return (png.Width, png.Height);
        }).ToList();
        Assert.True(sizes[0].Width < sizes[1].Width && sizes[1].Width < sizes[2].Width, string.Join(", ", sizes));
        // 100 classes: at least 14 px a row.
        Assert.True(sizes[2].Height >= 1400, string.Join(", ", sizes));
    }

    [Fact]
    public void Curves_are_drawn_for_one_epoch_without_a_learning_rate_and_for_many_with_one()
    {
        using var dir = new TempDir();
        var history = Enumerable.Range(1, 30).Select(e => new EpochMetrics(e, 1e-3 / e, 1.0 / e, 1 - 1.0 / e, 1, 0.9, 1.1 / e, 0.9 - 1.0 / e, 1, 0.9, 0.1, e == 12)).ToList();
        CurvesPicture.Save(dir.File("many.png"), history, 12, restored: true, learningRate: true);
        CurvesPicture.Save(dir.File("one.png"), history.Take(1).ToList(), 1, restored: true, learningRate: false);
        using var many = SKBitmap.Decode(dir.File("many.png"));
        using var one = SKBitmap.Decode(dir.File("one.png"));
        // The learning-rate panel adds height below the metric panels.
        Assert.True(many.Height > one.Height, $"{many.Height} vs {one.Height}");
        Assert.Equal(many.Width, one.Width);
    }
}
