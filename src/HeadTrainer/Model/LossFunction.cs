using SimdVector = System.Numerics.Vector;
using MathNet.Numerics.LinearAlgebra.Single;

namespace OnnxTransfer.HeadTrainer.Model;

public enum LossKind
{
    /// <summary>Softmax over K logits with categorical cross-entropy.</summary>
    Softmax,

    /// <summary>One logit, sigmoid and binary cross-entropy (two classes only; class 1 is "positive").</summary>
    Binary,
}

/// <summary>
/// Loss on a batch of logits (outputs x batch) following Keras: per-sample cross-entropy times its
/// class weight, summed and divided by the batch size (Keras's SUM_OVER_BATCH_SIZE, not PyTorch's
/// division by the sum of weights). Label smoothing e: softmax targets (1-e)*onehot + e/K; binary
/// target y*(1-e) + e/2. Computed in double; the gradient is returned as float.
/// </summary>
internal sealed class LossFunction(LossKind kind, float labelSmoothing, float[]? classWeights)
{
    public LossKind Kind { get; } = kind;
    public float LabelSmoothing { get; } = labelSmoothing;
    public float[]? ClassWeights { get; } = classWeights;

    /// <summary>Returns the mean weighted loss and writes d(loss)/d(logits) into <paramref name="grad"/>.</summary>
    public double Compute(DenseMatrix logits, ReadOnlySpan<int> labels, DenseMatrix grad)
    {
        int rows = logits.RowCount, n = logits.ColumnCount;
        var z = logits.Values;
        var g = grad.Values;
        double total = 0;
        double e = LabelSmoothing;
        // One exponential a logit, in vectors: the softmax of a 5,816 x 101 full batch was a third of an L-BFGS step with two Math.Exp each.
        var ex = Kind == LossKind.Softmax ? new double[Padded(rows)] : [];
        for (int j = 0; j < n; j++)
        {
            double w = ClassWeights is null ? 1.0 : ClassWeights[labels[j]];
            if (Kind == LossKind.Binary)
            {
                double x = z[j];
                double y = labels[j] * (1 - e) + 0.5 * e;
                // softplus(x) - y*x, written to avoid overflow for large |x|
                double l = Math.Max(x, 0) - x * y + Math.Log(1 + Math.Exp(-Math.Abs(x)));
                total += w * l;
                g[j] = (float)(w * (Sigmoid(x) - y) / n);
            }
            else
            {
                int o = j * rows, y = labels[j];
                var zj = z.AsSpan(o, rows);
                double max = double.NegativeInfinity;
                foreach (float v in zj) max = Math.Max(max, v);
                for (int k = 0; k < rows; k++) ex[k] = zj[k] - max;
                Exponentials(ex);
                double sum = 0;
                for (int k = 0; k < rows; k++) sum += ex[k];
                double logSum = Math.Log(sum) + max;
                // Σ_k t_k (logSum - z_k) with t = (1 - e) onehot + e / K.
                double l = (1 - e) * (logSum - zj[y]);
                if (e > 0)
                {
                    double zSum = 0;
                    foreach (float v in zj) zSum += v;
                    l += e * (logSum - zSum / rows);
                }
                double inv = 1 / sum, scale = w / n, spread = e / rows;
                for (int k = 0; k < rows; k++) g[o + k] = (float)(scale * (ex[k] * inv - spread - (k == y ? 1 - e : 0)));
                total += w * l;
            }
        }
        return total / n;
    }

    private static int Padded(int length) => (length + System.Numerics.Vector<double>.Count - 1) / System.Numerics.Vector<double>.Count * System.Numerics.Vector<double>.Count;

    /// <summary>
    /// exp of every entry of <paramref name="values"/> in place, whose length is a whole number of vectors: each entry goes
    /// through the same vector code whatever its position (the padding past the logits is computed and never read).
    /// </summary>
    private static void Exponentials(double[] values)
    {
        var span = values.AsSpan();
        for (int i = 0; i < span.Length; i += System.Numerics.Vector<double>.Count)
            SimdVector.Exp(new System.Numerics.Vector<double>(span[i..])).CopyTo(span[i..]);
    }

    public static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    /// <summary>Keras's l2(lambda): adds lambda * sum(w^2) over Dense kernels and 2*lambda*w to their gradients.</summary>
    public static double AddL2(IEnumerable<Parameter> parameters, float lambda)
    {
        if (lambda == 0f) return 0;
        double penalty = 0;
        foreach (var p in parameters)
        {
            if (!p.Regularized) continue;
            var v = p.Value;
            var gr = p.Grad;
            for (int i = 0; i < v.Length; i++)
            {
                penalty += (double)v[i] * v[i];
                gr[i] += 2f * lambda * v[i];
            }
        }
        return lambda * penalty;
    }

    /// <summary>sklearn/Keras "balanced" weights n / (k * count_c); classes absent from training get weight 0.</summary>
    public static float[] BalancedWeights(ReadOnlySpan<int> labels, int classCount)
    {
        var counts = new int[classCount];
        foreach (int l in labels) counts[l]++;
        var w = new float[classCount];
        for (int c = 0; c < classCount; c++)
            w[c] = counts[c] == 0 ? 0f : (float)((double)labels.Length / (classCount * (double)counts[c]));
        return w;
    }
}
