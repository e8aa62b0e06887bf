using OnnxTransfer.Cli.Commands;
using OnnxTransfer.Cli.Reports;
using OnnxTransfer.HeadTrainer.Training;
using Xunit;

namespace OnnxTransfer.Cli.Tests;

/// <summary>Lines the commands print as they go: they fit 80 columns and read the same everywhere.</summary>
public class ConsoleLinesTests
{
    [Theory]
    [InlineData(null, "--:--")]
    [InlineData(46.4, "00:46")]
    [InlineData(125.0, "02:05")]
    [InlineData(3 * 3600 + 61.0, "3:01:01")]
    public void Time_left_reads_as_minutes_and_seconds_or_hours(double? seconds, string text) =>
        Assert.Equal(text, EtaColumn.Format(seconds is { } s ? TimeSpan.FromSeconds(s) : null));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_epoch_line_fits_80_columns_with_accuracies_in_percent(bool scheduled)
    {
        // The widest values a run prints: three-digit epochs, a loss of two integer digits, 100 %, a long step time or lr.
        var m = new EpochMetrics(100, 1.2345e-4f, 12.3456, 1.0, 1.0, 1.0, 10.5, 0.9999, 1.0, 1.0, 123.45, true);
        string line = EpochLine.Format(m, 100, scheduled);
        Assert.True(line.Length <= 80, $"{line.Length} columns: {line}");
        Assert.Contains("acc 100.0%", line);
        Assert.Contains("val_acc 100.0%", line);
        Assert.EndsWith(" *", line);
        Assert.Contains(scheduled ? "lr 0.00012" : "123.45s", line);
    }
}
