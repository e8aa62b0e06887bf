using System.Security.Cryptography;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.HeadTrainer.Tests;

public class LbfgsSolverTests
{
    private const float L2 = 0.05f;

    [Theory]
    [InlineData(LossKind.Softmax, 3)]
    [InlineData(LossKind.Binary, 2)]
    public void Lbfgs_reaches_the_optimum_that_double_precision_gradient_descent_converges_to(LossKind loss, int classes)
    {
        using var data = new TempDir();
        using var run = new TempDir();
        // Overlapping classes, so the optimum is finite and L2 and the data both shape it.
        SyntheticFeatures.Write(data.Path, 60, 4, classes, separation: 0.7f);
        var set = FeatureSet.Load(data.Path);
        var options = new TrainerOptions { Solver = SolverKind.Lbfgs, L2 = L2, Loss = loss, Tolerance = 1e-6f };
        var result = new Trainer(options).Train(set, run.Path);
        Assert.True(result.Solver.Converged, result.Solver.ToString());

        var (train, _) = DataSplits.Of(set, options);
        var reference = new ReferenceLogistic(set, train, classes, loss == LossKind.Binary);
        double[] w = reference.GradientDescent(L2);
        var kernel = result.Head.Parameters.Single(p => p.Name == "logits.kernel").Value;
        var bias = result.Head.Parameters.Single(p => p.Name == "logits.bias").Value;
        double[] ours = [.. kernel.Select(v => (double)v), .. bias.Select(v => (double)v)];
        // Tolerance 1e-6 on the gradient, curvature >= 2 * L2 = 0.1: weights within about 1e-5; 1e-4 leaves float32 room.
        for (int i = 0; i < w.Length; i++) Assert.True(Math.Abs(ours[i] - w[i]) <= 1e-4, $"[{i}] lbfgs {ours[i]} vs gradient descent {w[i]}");
        double expected = reference.Objective(w, new double[w.Length], L2);
        Assert.True(Math.Abs(result.History[0].Loss - expected) <= 1e-6 * expected, $"loss {result.History[0].Loss} vs {expected}");
    }

    [Fact]
    public void A_solve_reports_each_iteration_and_its_way_down_to_the_tolerance()
    {
        using var data = new TempDir();
        using var run = new TempDir();
        SyntheticFeatures.Write(data.Path, 60, 4, 3, separation: 0.7f);
        var trainer = new Trainer(new TrainerOptions { L2 = L2, Tolerance = 1e-7f });
        var seen = new List<SolverProgress>();
        trainer.SolverIterated += seen.Add;
        var result = trainer.Train(FeatureSet.Load(data.Path), run.Path);
        Assert.Equal(Enumerable.Range(1, result.Solver.Iterations), seen.Select(p => p.Iteration));
        Assert.Equal(result.Solver.GradientNorm, seen[^1].GradientNorm);
        Assert.Equal(1.0, seen[^1].Fraction);
        // The smallest gradient so far, so the share of the way never goes back.
        Assert.All(seen.Zip(seen.Skip(1)), pair => Assert.True(pair.First.Fraction <= pair.Second.Fraction && pair.Second.GradientNorm <= pair.First.GradientNorm));
        Assert.All(seen, p => Assert.True(p.Fraction is >= 0 and <= 1 && p.Remaining is not null && p.MaxIterations == 1000));
    }

    [Fact]
    public void A_solves_share_of_the_way_is_on_a_log_scale_and_its_time_left_is_capped_by_the_iterations_left()
    {
        var halfway = new SolverProgress(10, 1000, 1e-3, 1, 1e-6, TimeSpan.FromSeconds(10));
        Assert.Equal(0.5, halfway.Fraction, 12);
        Assert.Equal(10, halfway.Remaining!.Value.TotalSeconds, 9);
        Assert.Equal(2, (halfway with { MaxIterations = 12 }).Remaining!.Value.TotalSeconds, 9);
        Assert.Equal(0, (halfway with { GradientNorm = 2 }).Fraction);
        Assert.Equal(1, (halfway with { GradientNorm = 1e-7 }).Fraction);
        Assert.Null((halfway with { Iteration = 0 }).Remaining);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(30)]
    public void Lbfgs_with_any_memory_reaches_a_quadratics_minimum_solved_by_elimination(int memory)
    {
        // f(x) = ½ x'Ax - b'x with A = M'M + I (30 x 30, condition about 100): the minimum solves A x = b.
        const int n = 30;
        var rng = new Rng(7);
        var m = new double[n, n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) m[i, j] = rng.NextGaussian();
        var a = new double[n, n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) { for (int k = 0; k < n; k++) a[i, j] += m[k, i] * m[k, j]; a[i, j] += i == j ? 1 : 0; }
        var b = Enumerable.Range(0, n).Select(_ => rng.NextGaussian()).ToArray();
        double Objective(double[] x, double[] g)
        {
            double f = 0;
            for (int i = 0; i < n; i++)
            {
                double ax = 0;
                for (int j = 0; j < n; j++) ax += a[i, j] * x[j];
                g[i] = ax - b[i];
                f += 0.5 * x[i] * ax - b[i] * x[i];
            }
            return f;
        }
        var x = new double[n];
        var (stop, iterations, _, norm) = Lbfgs.Minimize(Objective, x, 1e-10, 5000, memory: memory);
        Assert.True(stop == LbfgsStop.Converged, $"{stop} after {iterations}, |g| {norm}");
        var expected = Eliminate(a, b);
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(x[i] - expected[i]) <= 1e-8, $"x[{i}] {x[i]} vs {expected[i]}");
    }

    [Fact]
    public void The_history_kept_is_bounded_in_bytes_within_3_to_30_pairs()
    {
        Assert.Equal(30, Lbfgs.MemoryFor(256 * 17 + 17, 256L << 20));
        // A VGG19 block5_pool probe over 101 classes: 2.5 M weights, 20 MB a pair (two float32 vectors).
        Assert.Equal(13, Lbfgs.MemoryFor(25_088 * 101 + 101, 256L << 20));
        Assert.Equal(3, Lbfgs.MemoryFor(100_000_000, 256L << 20));
    }

    /// <summary>Gaussian elimination with partial pivoting: the reference the quadratic's minimum is checked against.</summary>
    private static double[] Eliminate(double[,] a, double[] b)
    {
        int n = b.Length;
        var m = (double[,])a.Clone();
        var r = (double[])b.Clone();
        for (int c = 0; c < n; c++)
        {
            int p = Enumerable.Range(c, n - c).MaxBy(i => Math.Abs(m[i, c]));
            for (int j = 0; j < n; j++) (m[c, j], m[p, j]) = (m[p, j], m[c, j]);
            (r[c], r[p]) = (r[p], r[c]);
            for (int i = c + 1; i < n; i++)
            {
                double f = m[i, c] / m[c, c];
                for (int j = c; j < n; j++) m[i, j] -= f * m[c, j];
                r[i] -= f * r[c];
            }
        }
        var x = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double sum = r[i];
            for (int j = i + 1; j < n; j++) sum -= m[i, j] * x[j];
            x[i] = sum / m[i, i];
        }
        return x;
    }

    [Fact]
    public void A_run_stopped_by_MaxIterations_says_it_did_not_converge()
    {
        using var data = new TempDir();
        using var run = new TempDir();
        SyntheticFeatures.Write(data.Path, 60, 4, 3, separation: 0.7f);
        var warnings = new List<string>();
        var trainer = new Trainer(new TrainerOptions { L2 = L2, MaxIterations = 2, Tolerance = 1e-8f });
        trainer.Warning += warnings.Add;
        var result = trainer.Train(FeatureSet.Load(data.Path), run.Path);
        Assert.Equal((SolverKind.Lbfgs, 2, false), (result.Solver.Solver, result.Solver.Iterations, result.Solver.Converged));
        Assert.Contains("NOT converged", result.Solver.ToString());
        Assert.Contains(warnings, w => w.Contains("did not converge") && w.Contains("`MaxIterations` 2"));
        Assert.Contains(result.Validation.Warnings, w => w.Contains("did not converge"));
        Assert.Equal(result.Solver, HeadSidecar.Load(run.Path).Solver);
    }

    [Fact]
    public void Auto_solves_linear_heads_with_lbfgs_at_scikit_learns_C_1_and_trains_other_heads_or_l2_0_on_mini_batches()
    {
        using var data = new TempDir();
        SyntheticFeatures.Write(data.Path, 60, 4, 3);
        var set = FeatureSet.Load(data.Path);
        int trainRows = DataSplits.Of(set, new TrainerOptions()).Train.Length;
        using var linear = new TempDir();
        Assert.Equal(SolverKind.Lbfgs, new Trainer(new TrainerOptions()).Train(set, linear.Path).Solver.Solver);
        // head.json records the λ used: sklearn's C = 1 over these training rows, 3 classes (K vectors).
        Assert.Equal(1f / (2 * trainRows), HeadSidecar.Load(linear.Path).Training.L2);
        Assert.Equal(1f / (2 * trainRows), TrainerOptions.L2ForC(1, trainRows, 3, LossKind.Softmax));
        Assert.Equal(1f / (4 * trainRows), TrainerOptions.L2ForC(2, trainRows, 3, LossKind.Binary));
        Assert.Equal(1f / trainRows, TrainerOptions.L2ForC(1, trainRows, 2, LossKind.Softmax));
        using var unpenalised = new TempDir();
        var sgd = new Trainer(new TrainerOptions { L2 = 0, Epochs = 2 }).Train(set, unpenalised.Path);
        Assert.Equal(SolverKind.Sgd, sgd.Solver.Solver);
        using var mlp = new TempDir();
        var hidden = new Trainer(new TrainerOptions { Head = HeadSpec.Parse("mlp:4"), Epochs = 2 }).Train(set, mlp.Path);
        Assert.Equal((SolverKind.Sgd, 2), (hidden.Solver.Solver, hidden.Solver.Iterations));
        // Mini-batch training keeps Keras's default of no penalty, and says so in head.json.
        Assert.Equal(0f, HeadSidecar.Load(mlp.Path).Training.L2);
    }

    /// <summary>
    /// Every settable option, changed from its default one at a time: the mini-batch settings ask for mini-batches and
    /// nothing else does, so the list (which the CLI's flags follow too) names each property it reads and misses none.
    /// </summary>
    [Fact]
    public void Exactly_the_listed_mini_batch_settings_changed_from_their_defaults_ask_for_mini_batches()
    {
        var changedSome = new List<string>();
        foreach (var property in typeof(TrainerOptions).GetProperties().Where(p => p.CanWrite))
        {
            var options = new TrainerOptions();
            object? other = property.GetValue(options) switch
            {
                bool b => !b,
                int i => i + 1,
                float f => f + 0.25f,
                double x => x + 0.25,
                Enum e => Enum.GetValues(e.GetType()).Cast<object>().First(v => !v.Equals(e)),
                null when Nullable.GetUnderlyingType(property.PropertyType) == typeof(float) => 0.01f,
                _ => null, // a head, a layer name, a backend: no mini-batch setting is one
            };
            if (other is null) continue;
            property.SetValue(options, other);
            changedSome.Add(property.Name);
            Assert.True(TrainerOptions.MiniBatchSettings.Contains(property.Name) == options.AsksForMiniBatches,
                $"{property.Name} changed: AsksForMiniBatches {options.AsksForMiniBatches}");
        }
        Assert.Empty(TrainerOptions.MiniBatchSettings.Concat(TrainerOptions.LbfgsSettings).Except(changedSome));
    }

    [Fact]
    public void Lbfgs_on_a_hidden_layer_head_is_refused_naming_the_fix()
    {
        var error = Assert.Throws<OnnxTransferException>(() => new TrainerOptions { Solver = SolverKind.Lbfgs, Head = HeadSpec.Parse("mlp:4") }.Validate());
        Assert.Contains("`Solver` sgd", error.Message);
    }

    [Fact]
    public void Asking_for_epochs_is_asking_for_mini_batches_and_lbfgs_with_them_is_refused()
    {
        using var data = new TempDir();
        SyntheticFeatures.Write(data.Path, 60, 4, 3);
        var set = FeatureSet.Load(data.Path);
        foreach (var options in new[] { new TrainerOptions { Epochs = 3 }, new TrainerOptions { LearningRate = 0.01f, Epochs = 2 }, new TrainerOptions { Patience = 0, Epochs = 2 } })
        {
            using var run = new TempDir();
            Assert.Equal(SolverKind.Sgd, new Trainer(options).Train(set, run.Path).Solver.Solver);
        }
        var error = Assert.Throws<OnnxTransferException>(() => new TrainerOptions { Solver = SolverKind.Lbfgs, Epochs = 3 }.Validate());
        Assert.Contains("`Solver` lbfgs solves to the optimum without epochs", error.Message);
        Assert.Contains("or use `Solver` sgd", error.Message);
    }

    /// <summary>The run's train and validation numbers come from its own passes, not Evaluate's: they must say the same.</summary>
    [Fact]
    public void An_lbfgs_runs_reports_are_what_evaluating_its_head_gives()
    {
        using var data = new TempDir();
        using var run = new TempDir();
        SyntheticFeatures.Write(data.Path, 300, 6, 5, separation: 0.4f);
        var set = FeatureSet.Load(data.Path);
        var result = new Trainer(new TrainerOptions { L2 = L2 }).Train(set, run.Path);
        var (train, val) = DataSplits.Of(set, new TrainerOptions());
        var loss = new LossFunction(LossKind.Softmax, 0f, null);
        var (trainReport, _) = Trainer.Evaluate(result.Head, set, train, loss);
        var (valReport, valLoss) = Trainer.Evaluate(result.Head, set, val, loss);
        var epoch = result.History.Single();
        Assert.True(valReport.Accuracy is > 0.3 and < 1, $"val accuracy {valReport.Accuracy}: the check needs errors to count");
        Assert.Equal(trainReport.Accuracy, epoch.Accuracy);
        Assert.Equal(trainReport.TopKAccuracy, epoch.TopKAccuracy);
        Assert.Equal(valReport.Accuracy, result.Validation.Accuracy);
        Assert.Equal(valReport.Confusion, result.Validation.Confusion);
        Assert.True(Math.Abs(trainReport.Auc - epoch.Auc) <= 1e-6, $"train AUC {epoch.Auc} vs {trainReport.Auc}");
        Assert.True(Math.Abs(valReport.Auc - result.Validation.Auc) <= 1e-6, $"val AUC {result.Validation.Auc} vs {valReport.Auc}");
        Assert.True(Math.Abs(valReport.LogLoss - result.Validation.LogLoss) <= 1e-6, $"val log loss {result.Validation.LogLoss} vs {valReport.LogLoss}");
        double penalty = L2 * result.Head.Parameters.Where(p => p.Regularized).Sum(p => p.Value.Sum(w => (double)w * w));
        Assert.True(Math.Abs(valLoss + penalty - epoch.ValLoss) <= 1e-6 * valLoss, $"val loss {epoch.ValLoss} vs {valLoss} + {penalty}");
    }

    [Fact]
    public void Lbfgs_gives_the_same_head_byte_for_byte_on_every_run()
    {
        using var data = new TempDir();
        SyntheticFeatures.Write(data.Path, 60, 4, 3);
        var set = FeatureSet.Load(data.Path);
        string Hash()
        {
            using var run = new TempDir();
            new Trainer(new TrainerOptions { L2 = L2 }).Train(set, run.Path);
            return Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(run.Path, RunFiles.HeadModel))));
        }
        Assert.Equal(Hash(), Hash());
    }
}
