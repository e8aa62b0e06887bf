using MathNet.Numerics.LinearAlgebra.Single;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Model;

namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>
/// Fits a linear head to the optimum of mean (class-weighted, smoothed) cross-entropy + λ Σ w² over all training rows
/// with <see cref="Lbfgs"/>. The forward and gradient passes are the head's own layers (its <see cref="LinearAlgebra.IGemm"/>)
/// over fixed chunks of rows in stored order, so the result is reproducible. Starts from zero weights, as scikit-learn does.
/// </summary>
internal static class FullBatchSolver
{
    /// <summary>Rows per forward/backward pass: bounds the logits and row copies, not the result (sums are in a fixed order).</summary>
    private const int Chunk = 2048;

    public static SolverRun Fit(DenseHead head, FeatureSet data, int[] rows, LossFunction loss, float l2, double tolerance, int maxIterations,
        CancellationToken ct)
    {
        var parameters = head.Parameters.ToArray();
        int total = parameters.Sum(p => p.Value.Length);
        var labels = rows.Select(i => data.Labels[i]).ToArray();
        var rng = new Rng(0); // a linear head draws nothing
        double Objective(double[] theta, double[] gradient)
        {
            Unpack(theta, parameters);
            Array.Clear(gradient);
            double value = 0;
            using var source = RowSource.InOrder(data, rows, null);
            for (int start = 0; start < rows.Length; start += Chunk)
            {
                int b = Math.Min(Chunk, rows.Length - start);
                var logits = head.Logits(source.Batch(start, b), training: true, rng);
                var dLogits = new DenseMatrix(logits.RowCount, b);
                // Compute gives the chunk's mean and a gradient over b rows; weighting by b / n makes both the whole set's mean.
                double share = (double)b / rows.Length;
                value += loss.Compute(logits, labels.AsSpan(start, b), dLogits) * share;
                var dv = dLogits.Values;
                for (int i = 0; i < dv.Length; i++) dv[i] = (float)(dv[i] * share);
                head.Backward(dLogits);
                int offset = 0;
                foreach (var p in parameters)
                {
                    for (int i = 0; i < p.Grad.Length; i++) gradient[offset + i] += p.Grad[i];
                    offset += p.Value.Length;
                }
            }
            int at = 0;
            foreach (var p in parameters)
            {
                if (p.Regularized)
                    for (int i = 0; i < p.Value.Length; i++)
                    {
                        double w = p.Value[i];
                        value += l2 * w * w;
                        gradient[at + i] += 2 * l2 * w;
                    }
                at += p.Value.Length;
            }
            return value;
        }
        var theta = new double[total];
        var (stop, iterations, _, norm) = Lbfgs.Minimize(Objective, theta, tolerance, maxIterations, ct);
        Unpack(theta, parameters);
        return new SolverRun(SolverKind.Lbfgs, iterations, stop == LbfgsStop.Converged, norm, tolerance);
    }

    private static void Unpack(double[] theta, Parameter[] parameters)
    {
        int offset = 0;
        foreach (var p in parameters)
        {
            for (int i = 0; i < p.Value.Length; i++) p.Value[i] = (float)theta[offset + i];
            offset += p.Value.Length;
        }
    }
}
