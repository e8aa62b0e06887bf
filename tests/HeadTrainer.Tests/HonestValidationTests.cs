using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.HeadTrainer.Reporting;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.HeadTrainer.Tests;

/// <summary>
/// The splits' roles: train trains, val (or a holdout) chooses the epoch, test (and val under a holdout) is never
/// trained or selected on and is reported apart; each report says which split it is on and whether it chose.
/// </summary>
public class HonestValidationTests
{
    private const int Rows = 120, Width = 6, Classes = 3;

    private static TrainerOptions Options(float holdout = 0) => new()
    {
        Head = Model.HeadSpec.Parse("mlp:16"), Epochs = 8, BatchSize = 16, LearningRate = 0.02f, Patience = 2, Seed = 5, Holdout = holdout,
        Solver = SolverKind.Sgd,
    };

    // Every fifth row is a test image; the others alternate train/val as SyntheticFeatures writes them.
    private static bool IsTest(int r) => r % 5 == 0;

    private static FeatureSet Set(string dir, Action<float[]>? tamper = null)
    {
        SyntheticFeatures.Write(dir, Rows, Width, Classes, separation: 0.8f, tamper: tamper,
            relabel: (r, key) => IsTest(r) ? key with { Split = FeatureSet.Test, Path = "test/" + key.Path } : key);
        return FeatureSet.Load(dir);
    }

    [Fact]
    public void Without_a_holdout_val_chooses_and_test_is_clean()
    {
        using var dir = new TempDir();
        var set = Set(dir.Path);
        var s = DataSplits.Of(set, Options());
        Assert.Equal(FeatureSet.Val, s.ValName);
        Assert.All(s.Val, r => Assert.Equal(FeatureSet.Val, set.Splits[r]));
        var test = Assert.Single(s.Clean);
        Assert.Equal(FeatureSet.Test, test.Split);
        Assert.Equal(Enumerable.Range(0, Rows).Where(IsTest).Count(), test.Rows.Length);
        Assert.Empty(s.Train.Intersect(test.Rows));
    }

    [Fact]
    public void A_holdout_is_a_stratified_part_of_train_and_val_becomes_clean()
    {
        using var dir = new TempDir();
        var set = Set(dir.Path);
        var plain = DataSplits.Of(set, Options());
        var s = DataSplits.Of(set, Options(holdout: 0.25f));
        Assert.Equal(DataSplits.Holdout, s.ValName);
        // The holdout and the remaining train are exactly the train images, shared out with no overlap.
        Assert.Equal(plain.Train.Order(), s.Train.Concat(s.Val).Order());
        Assert.Empty(s.Train.Intersect(s.Val));
        foreach (var group in plain.Train.GroupBy(r => set.Labels[r]))
            Assert.Equal((int)Math.Round(group.Count() * 0.25), s.Val.Count(r => set.Labels[r] == group.Key));
        Assert.Equal([FeatureSet.Val, FeatureSet.Test], s.Clean.Select(c => c.Split));
        Assert.Equal(plain.Val, s.Clean[0].Rows);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.25f)]
    public void Clean_rows_never_change_the_head(float holdout)
    {
        // Scrambling the rows that must stay clean (test; val too under a holdout) must leave the head byte for byte the same.
        using var a = new TempDir();
        using var b = new TempDir();
        using var runA = new TempDir();
        using var runB = new TempDir();
        var setA = Set(a.Path);
        var cleanRows = DataSplits.Of(setA, Options(holdout)).Clean.SelectMany(c => c.Rows).ToHashSet();
        var setB = Set(b.Path, f =>
        {
            for (int r = 0; r < Rows; r++)
                if (cleanRows.Contains(r))
                    for (int j = 0; j < Width; j++) f[r * Width + j] = -3 * f[r * Width + j] + 7;
        });
        var ra = new Trainer(Options(holdout)).Train(setA, runA.Path);
        var rb = new Trainer(Options(holdout)).Train(setB, runB.Path);
        Assert.Equal(File.ReadAllBytes(Path.Combine(runA.Path, RunFiles.HeadModel)), File.ReadAllBytes(Path.Combine(runB.Path, RunFiles.HeadModel)));
        Assert.Equal(ra.History.Select(h => h.ValLoss), rb.History.Select(h => h.ValLoss));
        // ...while the clean reports do see the scrambled rows.
        Assert.NotEqual(ra.Clean[^1].LogLoss, rb.Clean[^1].LogLoss);
    }

    [Fact]
    public void Reports_name_their_split_and_whether_it_chose()
    {
        using var dir = new TempDir();
        using var run = new TempDir();
        var set = Set(dir.Path);
        var result = new Trainer(Options(holdout: 0.25f)).Train(set, run.Path);
        var selection = ClassificationReport.FromJson(File.ReadAllText(Path.Combine(run.Path, RunFiles.Report)));
        Assert.Equal((DataSplits.Holdout, true), (selection.Split, selection.ChoseEpoch));
        var sidecar = HeadSidecar.Load(run.Path);
        Assert.Equal((DataSplits.Holdout, true), (sidecar.ValidationSplit, sidecar.ChoseEpoch));
        var splits = DataSplits.Of(set, Options(holdout: 0.25f));
        foreach (var (split, rows) in splits.Clean)
        {
            var report = ClassificationReport.FromJson(File.ReadAllText(Path.Combine(run.Path, RunFiles.SplitReport(split))));
            Assert.Equal((split, false, rows.Length), (report.Split, report.ChoseEpoch, report.Samples));
            // Accuracy counted here from the exported head's own predictions, row by row.
            var probabilities = result.Head.Predict(rows.SelectMany(r => set.Row(r).ToArray()).ToArray());
            int correct = rows.Where((r, i) => ArgMax(probabilities.AsSpan(i * Classes, Classes)) == set.Labels[r]).Count();
            Assert.Equal((double)correct / rows.Length, report.Accuracy, 12);
            Assert.Equal(report.Accuracy, sidecar.CleanMetrics[split]["accuracy"], 12);
        }
    }

    [Fact]
    public void A_single_solve_chooses_nothing_so_its_validation_is_clean_too()
    {
        using var dir = new TempDir();
        using var run = new TempDir();
        var result = new Trainer(new TrainerOptions { L2 = 1e-3f, Solver = SolverKind.Lbfgs }).Train(Set(dir.Path), run.Path);
        Assert.Equal((FeatureSet.Val, false), (result.Validation.Split, result.Validation.ChoseEpoch));
        Assert.Equal(FeatureSet.Test, Assert.Single(result.Clean).Split);
    }

    [Fact]
    public void A_holdout_out_of_range_is_refused()
    {
        var e = Assert.Throws<OnnxTransfer.OnnxTransferException>(() => new TrainerOptions { Holdout = 1f }.Validate());
        Assert.Contains("`Holdout` 1", e.Message);
    }

    private static int ArgMax(ReadOnlySpan<float> p)
    {
        int best = 0;
        for (int c = 1; c < p.Length; c++) if (p[c] > p[best]) best = c;
        return best;
    }
}
