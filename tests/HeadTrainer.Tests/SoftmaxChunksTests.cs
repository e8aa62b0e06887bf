using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;
using Xunit;

namespace OnnxTransfer.HeadTrainer.Tests;

/// <summary>
/// The AVX-512 softmax pass (<see cref="SoftmaxChunks"/>) against the naive double objective, and against the pass through
/// the layer where the naive one has no label smoothing or class weights.
/// </summary>
public class SoftmaxChunksTests
{
    /// <summary>
    /// Widths and class counts on both sides of the kernel's 32-feature panels and 12-class panels (7 and 45 features,
    /// 3, 13 and 25 classes), so padding is read and must add nothing.
    /// </summary>
    [Vector512Fact]
    public void The_fused_pass_equals_the_naive_double_objective_and_gives_the_same_bits_on_any_number_of_cores()
    {
        foreach (var (classes, width, seed) in new[] { (3, 7, 3UL), (13, 45, 4UL), (25, 33, 5UL) })
            FullBatchPassTests.CheckPass(classes, seed, width, fused: true);
    }

    /// <summary>Classes on both sides of the 12-class panels, 45 features past a 32-feature panel, the last chunk short.</summary>
    [Vector512Fact]
    public void The_fused_probabilities_are_the_naive_ones_row_by_row_and_the_same_bits_on_any_number_of_cores()
    {
        foreach (var (classes, width, seed) in new[] { (3, 7, 13UL), (17, 45, 14UL), (25, 33, 15UL) })
            FullBatchPassTests.CheckProbabilities(classes, seed, width, binary: false, fused: true);
    }

    [Vector512Fact]
    public void With_label_smoothing_and_class_weights_the_fused_pass_equals_the_pass_through_the_layer()
    {
        const int classes = 17;
        var (set, layer, rows) = FullBatchPassTests.Problem(classes, 6, d: 40);
        var weights = Enumerable.Range(0, classes).Select(c => 0.25f + c * 0.1f).ToArray();
        weights[3] = 0; // a class absent from training has weight 0 ("balanced")
        var loss = new LossFunction(LossKind.Softmax, 0.1f, weights);
        (double Value, double[] Gradient) Run(bool fused)
        {
            var kernel = new double[layer.Kernel.Value.Length];
            var bias = new double[classes];
            var pass = new FullBatchPass(layer, set, rows, loss, 2, fused: fused);
            double value = pass.Run(layer, kernel, bias);
            return (value, [.. kernel, .. bias]);
        }
        var (fusedValue, fusedGradient) = Run(true);
        var (layerValue, layerGradient) = Run(false);
        // Both compute the loss in double from the same float32 logits; the products' float32 sums differ in order.
        Assert.True(Math.Abs(fusedValue - layerValue) <= 1e-6 * layerValue, $"value {fusedValue} vs {layerValue}");
        double scale = layerGradient.Max(Math.Abs);
        for (int i = 0; i < layerGradient.Length; i++)
            Assert.True(Math.Abs(fusedGradient[i] - layerGradient[i]) <= 1e-5 * scale, $"gradient [{i}] {fusedGradient[i]} vs {layerGradient[i]}");
        // The weights and the smoothing are applied: without them the value moves far past that tolerance.
        var unweighted = new FullBatchPass(layer, set, rows, new LossFunction(LossKind.Softmax, 0f, null), 2, fused: true);
        double plain = unweighted.Run(layer, new double[layer.Kernel.Value.Length], new double[classes]);
        Assert.True(Math.Abs(plain - fusedValue) > 1e-3 * plain, $"weighted {fusedValue} vs plain {plain}");
    }

    /// <summary>
    /// The pass's float32 exponential against Math.Exp on 100,000 random x in [-100, 0] and on the ends of its range
    /// reduction: within 2e-7 relative, its stated bound, and at most e^-87 (zero to the gradient) below -87.
    /// </summary>
    /// <summary>
    /// A kernel of zeros (where a solve starts) skips the logits' product: the pass equals the one through the layer, and
    /// the same pass with a kernel loaded after it gives the bits of a fresh pass (the product is back).
    /// </summary>
    [Vector512Fact]
    public void At_a_kernel_of_zeros_the_pass_skips_the_product_and_loses_nothing()
    {
        const int classes = 13;
        var (set, layer, rows) = FullBatchPassTests.Problem(classes, 8, d: 40);
        var loss = new LossFunction(LossKind.Softmax, 0f, null);
        var trained = (float[])layer.Kernel.Value.Clone();
        Array.Clear(layer.Kernel.Value);
        for (int o = 0; o < classes; o++) layer.Bias.Value[o] = 0.1f * (o - 6);
        (double Value, double[] Gradient) Run(FullBatchPass pass)
        {
            var (kernel, bias) = (new double[layer.Kernel.Value.Length], new double[classes]);
            double value = pass.Run(layer, kernel, bias);
            return (value, [.. kernel, .. bias]);
        }
        var fused = new FullBatchPass(layer, set, rows, loss, 2, fused: true);
        var (zeroValue, zeroGradient) = Run(fused);
        var (layerValue, layerGradient) = Run(new FullBatchPass(layer, set, rows, loss, 2, fused: false));
        Assert.True(Math.Abs(zeroValue - layerValue) <= 1e-7 * layerValue, $"value {zeroValue} vs {layerValue}");
        double scale = layerGradient.Max(Math.Abs);
        for (int i = 0; i < layerGradient.Length; i++)
            Assert.True(Math.Abs(zeroGradient[i] - layerGradient[i]) <= 1e-5 * scale, $"gradient [{i}] {zeroGradient[i]} vs {layerGradient[i]}");
        trained.CopyTo(layer.Kernel.Value, 0);
        var again = Run(fused);
        var fresh = Run(new FullBatchPass(layer, set, rows, loss, 2, fused: true));
        Assert.Equal(fresh.Value, again.Value);
        Assert.Equal(fresh.Gradient, again.Gradient);
        Assert.NotEqual(zeroValue, again.Value);
    }

    [Vector512Fact]
    public void A_pass_built_for_probabilities_only_refuses_to_compute_a_gradient()
    {
        var (set, layer, rows) = FullBatchPassTests.Problem(17, 3, 40);
        var pass = new FullBatchPass(layer, set, rows, new LossFunction(LossKind.Softmax, 0f, null), 2, fused: true, gradients: false);
        var e = Assert.Throws<InvalidOperationException>(() => pass.Run(layer, new double[layer.Kernel.Value.Length], new double[layer.Bias.Value.Length]));
        Assert.Contains("probabilities only", e.Message);
    }

    [Fact]
    public void The_float32_softmax_exponential_is_within_2e_7_of_math_exp()
    {
        var rng = new Rng(13);
        var xs = Enumerable.Range(0, 100_000).Select(_ => -100f * rng.NextFloat())
            .Concat(Enumerable.Range(0, 126).SelectMany(k => new[] { (float)(-k * Math.Log(2) - Math.Log(2) / 2), (float)(-k * Math.Log(2) + Math.Log(2) / 2) }).Where(x => x <= 0))
            .Append(0f).ToArray();
        double worst = 0;
        for (int i = 0; i + 16 <= xs.Length; i += 16)
        {
            var e = SoftmaxChunks.Exp(System.Runtime.Intrinsics.Vector512.Create(xs.AsSpan(i, 16)));
            for (int j = 0; j < 16; j++)
            {
                double x = xs[i + j], expected = Math.Exp(x);
                if (x < -87) Assert.True(e[j] <= 1.7e-38f, $"exp({x}) = {e[j]}");
                else worst = Math.Max(worst, Math.Abs(e[j] - expected) / expected);
            }
        }
        Assert.True(worst <= 2e-7, $"largest relative error {worst:G3}");
    }

    /// <summary>LbfgsSolverTests checks the default pass against gradient descent; here the two passes' solves agree.</summary>
    [Vector512Fact]
    public void Solves_on_the_fused_pass_and_on_the_layer_reach_the_same_optimum()
    {
        const int classes = 13;
        var (set, _, rows) = FullBatchPassTests.Problem(classes, 7, d: 9);
        const float l2 = 0.01f;
        double[] Solve(bool fused)
        {
            var head = new DenseHead(HeadSpec.Linear, set.Width, classes, LossKind.Softmax, 0f, new Rng(1));
            var (run, _, _) = FullBatchSolver.Fit(head, set, rows, new LossFunction(LossKind.Softmax, 0f, null), l2, 1e-7, 1000, null, default, fused);
            Assert.True(run.Converged, run.ToString());
            return [.. head.Parameters.SelectMany(p => p.Value).Select(v => (double)v)];
        }
        var (fused, layer) = (Solve(true), Solve(false));
        // Gradient 1e-7 with curvature at least 2 λ = 0.02: each within 5e-6 of the optimum; 1e-4 leaves float32 room.
        for (int i = 0; i < fused.Length; i++) Assert.True(Math.Abs(fused[i] - layer[i]) <= 1e-4, $"weight [{i}] fused {fused[i]} vs layer {layer[i]}");
    }
}
