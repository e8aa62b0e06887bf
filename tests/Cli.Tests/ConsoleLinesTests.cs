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

    [Fact]
    public void An_lbfgs_solve_prints_one_solved_line_within_80_columns_without_an_epoch()
    {
        var m = new EpochMetrics(1, 0, 12.3456, 1.0, 1.0, 1.0, 10.5, 0.9999, 1.0, 1.0, 1234.56, true);
        string line = EpochLine.Solved(m);
        Assert.True(line.Length <= 80, $"{line.Length} columns: {line}");
        Assert.Equal("solved    loss 12.346 acc 100.0% val_loss 10.500 val_acc 100.0% 1234.56s", line);
    }

    [Fact]
    public void A_solves_progress_line_fits_80_columns_at_its_widest()
    {
        var widest = new SolverProgress(99_999, 100_000, 1.2345e-123, 3.0, 1e-6, TimeSpan.FromHours(50));
        string line = TrainCommand.SolverLine(widest);
        Assert.True(line.Length <= 80, $"{line.Length} columns: {line}");
        Assert.Equal("lbfgs iteration 40/1000: |gradient| 1.0E-03 -> 1E-06, 50 %, 00:10 left",
            TrainCommand.SolverLine(new SolverProgress(40, 1000, 1e-3, 1, 1e-6, TimeSpan.FromSeconds(10))));
    }

    [Fact]
    public void The_training_plan_wraps_its_long_lines_under_their_labels()
    {
        var plan = new TrainingPlan
        {
            TrainImages = 75_750, TrainRows = 75_750, Validation = new SplitSize("holdout", 18_938), ValidationChoosesEpoch = true,
            Clean = [new SplitSize("test", 25_250)], Classes = 101, FeatureWidth = 25_088,
            Layers = "25088 -> dense 1024 -> relu -> dropout 0.5 -> dense 1024 -> relu -> dropout 0.5 -> dense 101 -> softmax",
            Parameters = 26_829_925, Epochs = 50,
            Solver = "sgd momentum 0.9 nesterov, lr 0.0001 poly after 2 warmup epochs, batch 32, up to 50 epochs, early stopping on val_loss (patience 5), best epoch restored",
            Storage = "streamed from 101 shards (101,000 rows x 25,088 floats = 10,135.6 MB, over the `MaxMemory` budget of 2,000.0 MB)",
        };
        var lines = TrainCommand.PlanText(plan).TrimEnd().Split(Environment.NewLine);
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        // Nothing lost: the words of each topic, in order, under its label.
        string Joined(string label) => string.Join(' ', lines.SkipWhile(l => !l.StartsWith(label, StringComparison.Ordinal))
            .Select((l, i) => i == 0 ? l[label.Length..] : l).TakeWhile((l, i) => i == 0 || l.StartsWith("          ", StringComparison.Ordinal)).Select(l => l.Trim()));
        Assert.Equal(plan.Solver, Joined("solver:   "));
        Assert.Equal(plan.Layers + ", 26,829,925 parameters", Joined("head:     "));
        Assert.Equal("streamed from 101 shards (101,000 rows x 25,088 floats = 10,135.6 MB, over the --max-memory budget of 2,000.0 MB)", Joined("features: "));
    }

    [Fact]
    public void A_word_longer_than_the_line_stays_whole()
    {
        string path = "/" + new string('a', 90);
        Assert.Equal($"features: in{Environment.NewLine}          {path}", TextWrap.Hanging("features: ", "in " + path));
    }
}
