using OnnxTransfer.Features;

namespace OnnxTransfer.HeadTrainer.Tests;

/// <summary>
/// An independent reference for the L-BFGS solver: the same objective (mean cross-entropy + λ Σ kernel²) written out
/// naively in double, minimised by plain gradient descent. Weights are laid out as the head's: kernel (in x out, column-major), then bias.
/// </summary>
internal sealed class ReferenceLogistic(FeatureSet set, int[] rows, int classes, bool binary)
{
    private readonly int _d = set.Width, _k = binary ? 1 : classes;

    public double Objective(double[] w, double[] grad, double l2)
    {
        Array.Clear(grad);
        double loss = 0;
        var z = new double[_k];
        foreach (int r in rows)
        {
            var x = set.Row(r);
            int label = set.Labels[r];
            for (int o = 0; o < _k; o++)
            {
                z[o] = w[_d * _k + o];
                for (int i = 0; i < _d; i++) z[o] += w[i + o * _d] * x[i];
            }
            var dz = new double[_k];
            if (binary)
            {
                double p = 1 / (1 + Math.Exp(-z[0]));
                loss -= label == 1 ? Math.Log(p) : Math.Log(1 - p);
                dz[0] = p - label;
            }
            else
            {
                double max = z.Max(), sum = z.Sum(v => Math.Exp(v - max));
                for (int o = 0; o < _k; o++)
                {
                    double p = Math.Exp(z[o] - max) / sum;
                    dz[o] = p - (o == label ? 1 : 0);
                    if (o == label) loss -= Math.Log(p);
                }
            }
            for (int o = 0; o < _k; o++)
            {
                for (int i = 0; i < _d; i++) grad[i + o * _d] += dz[o] * x[i] / rows.Length;
                grad[_d * _k + o] += dz[o] / rows.Length;
            }
        }
        loss /= rows.Length;
        for (int i = 0; i < _d * _k; i++)
        {
            loss += l2 * w[i] * w[i];
            grad[i] += 2 * l2 * w[i];
        }
        return loss;
    }

    /// <summary>Fixed-step gradient descent from zero until the largest gradient component is below 1e-11.</summary>
    public double[] GradientDescent(double l2, double step = 0.1)
    {
        var w = new double[_d * _k + _k];
        var g = new double[w.Length];
        for (int iteration = 0; iteration < 1_000_000; iteration++)
        {
            Objective(w, g, l2);
            if (g.Max(Math.Abs) < 1e-11) return w;
            for (int i = 0; i < w.Length; i++) w[i] -= step * g[i];
        }
        throw new InvalidOperationException("gradient descent did not converge");
    }
}
