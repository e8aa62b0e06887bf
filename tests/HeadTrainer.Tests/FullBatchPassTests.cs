using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.LinearAlgebra;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.HeadTrainer.Tests;

/// <summary>The full-batch pass behind L-BFGS (<see cref="FullBatchPass"/>) and the centred coordinates it is solved in.</summary>
public class FullBatchPassTests
{
    /// <summary>Random rows and weights; 1,300 rows is three chunks, the last one short.</summary>
    internal static (FeatureSet Set, DenseLayer Layer, int[] Rows) Problem(int classes, ulong seed, int d = 7)
    {
        const int n = 1300;
        var rng = new Rng(seed);
        var features = new float[n * d];
        for (int i = 0; i < features.Length; i++) features[i] = MathF.Max(0, (float)rng.NextGaussian() + 0.8f);
        var labels = Enumerable.Range(0, n).Select(i => (int)(rng.NextFloat() * classes) % classes).ToArray();
        var set = new FeatureSet("gap", [d], features, d, Enumerable.Range(0, n).Select(i => $"img{i}.jpg").ToArray(), labels,
            Enumerable.Repeat(FeatureSet.Train, n).ToArray(), Enumerable.Range(0, classes).Select(k => $"c{k}").ToArray(),
            new FeatureSource { Directory = Path.GetTempPath() });
        var layer = new DenseLayer("logits", d, classes, GemmBackend.Simd);
        foreach (var p in layer.Parameters)
            for (int i = 0; i < p.Value.Length; i++) p.Value[i] = (float)rng.NextGaussian() * 0.5f;
        // Every other row, out of order: the pass takes the rows it is given, in that order.
        var rows = Enumerable.Range(0, n).Where(i => i % 2 == 0).Reverse().Concat(Enumerable.Range(0, n).Where(i => i % 2 == 1)).ToArray();
        return (set, layer, rows);
    }

    /// <summary>Through the layer (<see cref="LayerChunks"/>), the pass any CPU and loss runs; SoftmaxChunksTests has the other.</summary>
    [Theory]
    [InlineData(5, 1UL)]
    [InlineData(17, 2UL)]
    public void The_pass_equals_the_naive_double_objective_and_gives_the_same_bits_on_any_number_of_cores(int classes, ulong seed) =>
        CheckPass(classes, seed, 7, fused: false);

    /// <summary>
    /// The pass at cores 1, 2, 3 and 8, rows gathered once or each time, chunks in one round or in rounds of one per core:
    /// the same bits; and the naive double objective
    /// (<see cref="ReferenceLogistic"/>) to 1e-6 in value and 1e-5 of the largest gradient component.
    /// </summary>
    internal static void CheckPass(int classes, ulong seed, int width, bool fused)
    {
        var (set, layer, rows) = Problem(classes, seed, width);
        var loss = new LossFunction(LossKind.Softmax, 0f, null);
        (double Value, double[] Kernel, double[] Bias) Run(int cores, long gathered, long results = FullBatchPass.ResultBytes)
        {
            var kernel = new double[layer.Kernel.Value.Length];
            var bias = new double[classes];
            var pass = new FullBatchPass(layer, set, rows, loss, cores, gathered, fused, results);
            double value = pass.Run(layer, kernel, bias);
            return (value, kernel, bias);
        }
        var one = Run(1, FullBatchPass.GatheredBytes);
        foreach (var (cores, gathered, results) in new[] { (2, FullBatchPass.GatheredBytes, FullBatchPass.ResultBytes), (2, 0L, 1L), (3, 0L, 1L), (8, 0L, FullBatchPass.ResultBytes) })
        {
            var other = Run(cores, gathered, results);
            Assert.Equal(one.Value, other.Value);
            Assert.Equal(one.Kernel, other.Kernel);
            Assert.Equal(one.Bias, other.Bias);
        }

        double[] w = [.. layer.Kernel.Value.Select(v => (double)v), .. layer.Bias.Value.Select(v => (double)v)];
        var grad = new double[w.Length];
        double expected = new ReferenceLogistic(set, rows, classes, binary: false).Objective(w, grad, 0);
        // float32 logits and products over a few features: about 1e-7 relative; the bound leaves a factor of 10.
        Assert.True(Math.Abs(one.Value - expected) <= 1e-6 * expected, $"value {one.Value} vs naive {expected}");
        double[] ours = [.. one.Kernel, .. one.Bias];
        double scale = grad.Max(Math.Abs);
        for (int i = 0; i < w.Length; i++) Assert.True(Math.Abs(ours[i] - grad[i]) <= 1e-5 * scale, $"gradient [{i}] {ours[i]} vs naive {grad[i]}");
    }

    [Theory]
    [InlineData(5, 7UL, false)]
    [InlineData(17, 8UL, false)]
    [InlineData(2, 9UL, true)]
    public void Probabilities_through_the_layer_are_the_naive_ones_row_by_row_and_the_same_bits_on_any_number_of_cores(int classes, ulong seed, bool binary) =>
        CheckProbabilities(classes, seed, 7, binary, fused: false);

    /// <summary>
    /// <see cref="FullBatchPass.Probabilities"/> at 1, 2 and 8 cores, rows gathered or not: the same bits; each row's
    /// probabilities, in the rows' order, within 1e-6 of a naive double softmax (or sigmoid) of the weights, and the mean
    /// loss within 1e-6 relative of the naive mean cross-entropy.
    /// </summary>
    internal static void CheckProbabilities(int classes, ulong seed, int width, bool binary, bool fused)
    {
        var (set, layer, rows) = Problem(classes, seed, width);
        if (binary) layer = new DenseLayer("logits", width, 1, GemmBackend.Simd);
        var rng = new Rng(seed + 100);
        foreach (var p in layer.Parameters)
            for (int i = 0; i < p.Value.Length; i++) p.Value[i] = (float)rng.NextGaussian() * 0.5f;
        var loss = new LossFunction(binary ? LossKind.Binary : LossKind.Softmax, 0f, null);
        (double Loss, float[] Probabilities) Run(int cores, long gathered, bool gradients = true)
        {
            var into = new float[rows.Length * classes];
            double value = new FullBatchPass(layer, set, rows, loss, cores, gathered, fused, gradients: gradients).Probabilities(layer, into);
            return (value, into);
        }
        var one = Run(1, FullBatchPass.GatheredBytes);
        // A pass for probabilities only packs the rows for the logits alone: the same bits.
        foreach (var (cores, gathered, gradients) in new[] { (2, FullBatchPass.GatheredBytes, true), (2, 0L, true), (8, 0L, true), (2, FullBatchPass.GatheredBytes, false), (2, 0L, false) })
        {
            var other = Run(cores, gathered, gradients);
            Assert.Equal(one.Loss, other.Loss);
            Assert.Equal(one.Probabilities, other.Probabilities);
        }
        double expectedLoss = 0;
        for (int j = 0; j < rows.Length; j++)
        {
            var x = set.Row(rows[j]);
            var z = new double[layer.OutputWidth];
            for (int o = 0; o < z.Length; o++)
            {
                z[o] = layer.Bias.Value[o];
                for (int i = 0; i < width; i++) z[o] += (double)layer.Kernel.Value[i + o * width] * x[i];
            }
            double[] p = binary ? [1 / (1 + Math.Exp(z[0])), 1 / (1 + Math.Exp(-z[0]))] : Softmax(z);
            int label = set.Labels[rows[j]];
            expectedLoss -= Math.Log(p[label]) / rows.Length;
            for (int o = 0; o < classes; o++)
                Assert.True(Math.Abs(one.Probabilities[j * classes + o] - p[o]) <= 1e-6, $"row {j} class {o}: {one.Probabilities[j * classes + o]} vs naive {p[o]}");
        }
        Assert.True(Math.Abs(one.Loss - expectedLoss) <= 1e-6 * expectedLoss, $"loss {one.Loss} vs naive {expectedLoss}");
    }

    private static double[] Softmax(double[] z)
    {
        double max = z.Max();
        var e = z.Select(v => Math.Exp(v - max)).ToArray();
        return [.. e.Select(v => v / e.Sum())];
    }

    [Fact]
    public void Shifting_every_feature_by_a_constant_moves_only_the_bias_and_costs_no_extra_iterations()
    {
        using var data = new TempDir();
        SyntheticFeatures.Write(data.Path, 60, 4, 3, separation: 0.7f);
        var set = FeatureSet.Load(data.Path);
        const float shift = 40f;
        var shifted = new FeatureSet(set.Layer, set.FeatureShape, set.Features.Select(v => v + shift).ToArray(), set.Width, set.Paths, set.Labels,
            set.Splits, set.Classes, set.Source);
        // Tolerance 1e-5, above the rounding: the gradient in the head's own coordinates carries the bias's float32 rounding
        // times the shift, about 3e-6 here, and below that the last iterations chase rounding (12 to 200 of them at 1e-6,
        // depending on how each pass rounds).
        var options = new TrainerOptions { Solver = SolverKind.Lbfgs, L2 = 0.05f, Tolerance = 1e-5f };
        using var runA = new TempDir();
        using var runB = new TempDir();
        var plain = new Trainer(options).Train(set, runA.Path);
        var moved = new Trainer(options).Train(shifted, runB.Path);
        Assert.True(plain.Solver.Converged && moved.Solver.Converged, $"{plain.Solver}; {moved.Solver}");
        // Raw coordinates took 270 to 360 iterations here against 12 (the bias moves with every weight); centred ones the same.
        Assert.True(moved.Solver.Iterations <= plain.Solver.Iterations * 3 / 2 + 5, $"shifted {moved.Solver}; plain {plain.Solver}");
        var w = plain.Head.Parameters.Single(p => p.Name == "logits.kernel").Value;
        var b = plain.Head.Parameters.Single(p => p.Name == "logits.bias").Value;
        var w2 = moved.Head.Parameters.Single(p => p.Name == "logits.kernel").Value;
        var b2 = moved.Head.Parameters.Single(p => p.Name == "logits.bias").Value;
        // The same optimum: W(x + s) + b' = Wx + b when b' = b - s Σ_i W(i, o). Gradient tolerance 1e-5 and curvature 0.1
        // put each solution within about 1e-4 of it; the shift multiplies the bias's error by up to 4 x 40.
        for (int i = 0; i < w.Length; i++) Assert.True(Math.Abs(w[i] - w2[i]) <= 1e-4, $"kernel [{i}] {w[i]} vs shifted {w2[i]}");
        for (int o = 0; o < b.Length; o++)
        {
            double expected = b[o] - shift * Enumerable.Range(0, set.Width).Sum(i => (double)w[i + o * set.Width]);
            Assert.True(Math.Abs(b2[o] - expected) <= 2e-2, $"bias [{o}] {b2[o]} vs {expected}");
        }
    }
}
