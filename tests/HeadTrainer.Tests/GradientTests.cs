using MathNet.Numerics.LinearAlgebra.Single;
using OnnxTransfer.HeadTrainer.LinearAlgebra;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;
using Xunit;

namespace OnnxTransfer.HeadTrainer.Tests;

/// <summary>
/// Analytic gradients vs central finite differences (h = 1e-2 on float32 forward passes evaluated in double):
/// |numeric - analytic| &lt;= 2e-3 + 2e-2 |analytic|.
/// </summary>
public class GradientTests
{
    private const double H = 1e-2;

    private static void Close(double numeric, double analytic, string what) =>
        Assert.True(Math.Abs(numeric - analytic) <= 2e-3 + 2e-2 * Math.Abs(analytic), $"{what}: numeric {numeric} vs analytic {analytic}");

    private static DenseMatrix RandomMatrix(Rng rng, int rows, int cols, bool awayFromZero = false) =>
        new(rows, cols, Enumerable.Range(0, rows * cols).Select(_ =>
        {
            float v = (float)rng.NextGaussian();
            return awayFromZero && Math.Abs(v) < 0.1f ? v + 0.3f * Math.Sign(v + 1e-9f) : v;
        }).ToArray());

    /// <summary>Checks d(sum(r ⊙ layer(x)))/dx and /dparams for a layer in training mode.</summary>
    private static void CheckLayer(Layer layer, DenseMatrix x, Rng rng)
    {
        var probe = RandomMatrix(rng, layer.OutputWidth, x.ColumnCount);
        double Objective() => layer.Forward(x, true, new Rng(5)).Enumerate().Zip(probe.Enumerate()).Sum(p => (double)p.First * p.Second);
        layer.Forward(x, true, new Rng(5));
        var dx = (DenseMatrix)layer.Backward(probe, needInputGrad: true)!;
        var grads = layer.Parameters.Where(p => p.Trainable).Select(p => (p, (float[])p.Grad.Clone())).ToList();
        var xv = x.Values;
        for (int i = 0; i < xv.Length; i += Math.Max(1, xv.Length / 40))
        {
            float keep = xv[i];
            xv[i] = keep + (float)H; double up = Objective();
            xv[i] = keep - (float)H; double down = Objective();
            xv[i] = keep;
            Close((up - down) / (2 * H), dx.Values[i], $"{layer.GetType().Name} dx[{i}]");
        }
        foreach (var (p, g) in grads)
            for (int i = 0; i < p.Value.Length; i += Math.Max(1, p.Value.Length / 20))
            {
                float keep = p.Value[i];
                p.Value[i] = keep + (float)H; double up = Objective();
                p.Value[i] = keep - (float)H; double down = Objective();
                p.Value[i] = keep;
                Close((up - down) / (2 * H), g[i], $"{p.Name}[{i}]");
            }
    }

    [Theory]
    [InlineData(GemmBackend.Simd)]
    [InlineData(GemmBackend.MathNet)]
    public void Dense_layer(GemmBackend gemm)
    {
        var rng = new Rng(1);
        var dense = new DenseLayer("d", 13, 7, gemm);
        dense.InitializeGlorotUniform(rng);
        for (int i = 0; i < dense.Bias.Value.Length; i++) dense.Bias.Value[i] = (float)rng.NextGaussian();
        CheckLayer(dense, RandomMatrix(rng, 13, 9), rng);
    }

    [Fact]
    public void Relu_layer() => CheckLayer(new ReluLayer(11), RandomMatrix(new Rng(2), 11, 6, awayFromZero: true), new Rng(3));

    [Fact]
    public void Batchnorm_layer_in_training_mode()
    {
        var rng = new Rng(4);
        var bn = new BatchNormLayer("bn", 6);
        for (int i = 0; i < 6; i++) { bn.Gamma.Value[i] = 0.5f + (float)rng.NextDouble(); bn.Beta.Value[i] = (float)rng.NextGaussian(); }
        CheckLayer(bn, RandomMatrix(rng, 6, 10), rng);
    }

    [Fact]
    public void Dropout_layer_uses_the_same_mask_forward_and_backward() =>
        CheckLayer(new DropoutLayer(8, 0.4f), RandomMatrix(new Rng(6), 8, 5), new Rng(7));

    [Theory]
    [InlineData(LossKind.Softmax, 0f, false)]
    [InlineData(LossKind.Softmax, 0.1f, true)]
    [InlineData(LossKind.Binary, 0f, false)]
    [InlineData(LossKind.Binary, 0.2f, true)]
    public void Losses_with_smoothing_and_class_weights(LossKind kind, float smoothing, bool weighted)
    {
        var rng = new Rng(8);
        int k = kind == LossKind.Binary ? 2 : 4, outputs = kind == LossKind.Binary ? 1 : 4, n = 7;
        var labels = Enumerable.Range(0, n).Select(i => i % k).ToArray();
        var loss = new LossFunction(kind, smoothing, weighted ? new[] { 0.5f, 2f, 1.5f, 0.7f }[..k] : null);
        var logits = RandomMatrix(rng, outputs, n);
        var grad = new DenseMatrix(outputs, n);
        double value = loss.Compute(logits, labels, grad);
        // Independent reference for the value: the textbook formulas, per sample.
        double expected = 0;
        for (int j = 0; j < n; j++)
        {
            double w = weighted ? new[] { 0.5, 2, 1.5, 0.7 }[labels[j]] : 1;
            if (kind == LossKind.Binary)
            {
                double p = 1 / (1 + Math.Exp(-logits[0, j])), y = labels[j] * (1 - smoothing) + smoothing / 2;
                expected += w * -(y * Math.Log(p) + (1 - y) * Math.Log(1 - p));
            }
            else
            {
                double z = Enumerable.Range(0, k).Sum(c => Math.Exp(logits[c, j]));
                for (int c = 0; c < k; c++)
                    expected -= w * ((c == labels[j] ? 1 - smoothing : 0) + smoothing / k) * Math.Log(Math.Exp(logits[c, j]) / z);
            }
        }
        Assert.Equal(expected / n, value, 5);
        var scratch = new DenseMatrix(outputs, n);
        for (int i = 0; i < logits.Values.Length; i++)
        {
            float keep = logits.Values[i];
            logits.Values[i] = keep + (float)H; double up = loss.Compute(logits, labels, scratch);
            logits.Values[i] = keep - (float)H; double down = loss.Compute(logits, labels, scratch);
            logits.Values[i] = keep;
            Close((up - down) / (2 * H), grad.Values[i], $"dlogits[{i}]");
        }
    }

    [Fact]
    public void L2_penalty_gradient()
    {
        var rng = new Rng(9);
        var dense = new DenseLayer("d", 5, 3);
        dense.InitializeGlorotUniform(rng);
        Array.Clear(dense.Kernel.Grad);
        double penalty = LossFunction.AddL2(dense.Parameters, 0.3f);
        Assert.Equal(0.3 * dense.Kernel.Value.Sum(v => (double)v * v), penalty, 6);
        Assert.All(dense.Bias.Grad, g => Assert.Equal(0f, g)); // biases are not regularized
        for (int i = 0; i < dense.Kernel.Value.Length; i++)
        {
            float keep = dense.Kernel.Value[i];
            dense.Kernel.Value[i] = keep + (float)H; double up = 0.3 * dense.Kernel.Value.Sum(v => (double)v * v);
            dense.Kernel.Value[i] = keep - (float)H; double down = 0.3 * dense.Kernel.Value.Sum(v => (double)v * v);
            dense.Kernel.Value[i] = keep;
            Close((up - down) / (2 * H), dense.Kernel.Grad[i], $"kernel[{i}]");
        }
    }
}
