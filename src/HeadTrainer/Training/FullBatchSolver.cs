using System.Numerics;
using System.Runtime.CompilerServices;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Reporting;

namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>
/// Fits a linear head to the optimum of mean (class-weighted, smoothed) cross-entropy + λ Σ w² over all training rows
/// with <see cref="Lbfgs"/>, each value and gradient a <see cref="FullBatchPass"/> over the rows (reproducible: its sums
/// are in a fixed order). Starts from zero weights, as scikit-learn does.
/// </summary>
/// <remarks>
/// L-BFGS runs on centred features: logits = W (x - μ) + c with μ the training rows' mean, the same objective (the bias is
/// unpenalised, so b = c - W μ loses nothing) in coordinates where the bias no longer moves with every weight. CNN features
/// are non-negative with means near their spread, and on them the raw coordinates took 5 times the iterations to the same
/// tolerance (flowers17: 678 against 127, SciPy's L-BFGS-B, measured 2026-12-01). Nothing is copied: the layer sees the
/// raw rows and bias c - W μ, and the kernel's gradient is corrected by μ times the bias's. The stopping test is on the
/// gradient in the head's own (W, b), the coordinates `Tolerance` is stated in.
/// </remarks>
internal static class FullBatchSolver
{
    /// <summary>
    /// The most L-BFGS's history of correction pairs may hold, about the rows' own gathered copy; only a head of over 11.2 M
    /// weights goes past it, with <see cref="Lbfgs.MinMemory"/> pairs (the plan says the size).
    /// </summary>
    internal const long HistoryBytes = 256L << 20;

    /// <summary>The correction pairs a solve of <paramref name="parameters"/> weights keeps (<see cref="Lbfgs.MemoryFor"/>).</summary>
    internal static int Memory(long parameters) => Lbfgs.MemoryFor(parameters, HistoryBytes);

    /// <param name="iterated">Told after each iteration where the solve is.</param>
    /// <param name="fused">Which pass computes the objective (<see cref="FullBatchPass"/>); default where it runs.</param>
    /// <returns>
    /// The run; the objective at the solution (mean loss plus penalty), the train loss a report would recompute; and the
    /// rows' class probabilities there (rows x classes, row-major), from one more pass over the rows already packed.
    /// </returns>
    public static (SolverRun Run, double Objective, float[] Probabilities) Fit(DenseHead head, FeatureSet data, int[] rows, LossFunction loss, float l2, double tolerance, int maxIterations,
        Action<SolverProgress>? iterated, CancellationToken ct, bool? fused = null)
    {
        var layer = (DenseLayer)head.Layers.Single();
        int width = layer.InputWidth, outputs = layer.OutputWidth, kernel = width * outputs;
        var mean = Mean(data, rows, width);
        var pass = new FullBatchPass(layer, data, rows, loss, Environment.ProcessorCount, fused: fused);
        var gradW = new double[kernel];
        var gradB = new double[outputs];
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        double Objective(double[] theta, double[] gradient)
        {
            Unpack(theta, layer, mean);
            double value = pass.Run(layer, gradW, gradB) + Penalize(theta.AsSpan(0, kernel), gradW, l2);
            // To the centred coordinates: b = c - W^T μ, so ∂/∂W(i, o) picks up -μ(i) ∂/∂b(o); ∂/∂c is ∂/∂b.
            for (int o = 0; o < outputs; o++)
                Combine(gradW.AsSpan(o * width, width), mean, -gradB[o], gradient.AsSpan(o * width, width));
            gradB.CopyTo(gradient, kernel);
            return value;
        }
        // Back from the centred coordinates: ∂/∂W(i, o) = ∂/∂Wc(i, o) + μ(i) ∂/∂c(o).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        double Largest(double[] gradient)
        {
            double largest = 0;
            for (int o = 0; o < outputs; o++)
            {
                double gc = gradient[kernel + o];
                largest = Math.Max(largest, Math.Max(Math.Abs(gc), LargestCombined(gradient.AsSpan(o * width, width), mean, gc)));
            }
            return largest;
        }
        var theta = new double[kernel + outputs];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double first = double.NaN, smallest = double.PositiveInfinity;
        double Measure(double[] gradient)
        {
            double largest = Largest(gradient);
            if (double.IsNaN(first)) first = largest; // the starting point's: the first gradient measured
            return largest;
        }
        void Report(int iteration, double norm)
        {
            smallest = Math.Min(smallest, norm);
            iterated?.Invoke(new SolverProgress(iteration, maxIterations, smallest, first, tolerance, clock.Elapsed));
        }
        var (stop, iterations, objective, norm) = Lbfgs.Minimize(Objective, theta, tolerance, maxIterations, Measure, Report, Memory(theta.Length),
            Environment.ProcessorCount, ct);
        Unpack(theta, layer, mean);
        var probabilities = new float[rows.Length * data.Classes.Count];
        pass.Probabilities(layer, probabilities);
        return (new SolverRun(SolverKind.Lbfgs, iterations, stop == LbfgsStop.Converged, norm, tolerance), objective, probabilities);
    }

    /// <summary>
    /// The report of a linear <paramref name="head"/> on <paramref name="rows"/> and its mean <paramref name="loss"/>, as
    /// <see cref="Trainer.Evaluate(DenseHead, FeatureSet, int[], LossFunction, int, int, Features.StreamBuffers?)"/>
    /// gives them, through a <see cref="FullBatchPass"/>: a chunk a core and, on AVX-512, the packed kernel. The pass
    /// gathers the rows as a solve's does, within <see cref="FullBatchPass.GatheredBytes"/>, but in the logits' layout alone,
    /// and holds no gradients.
    /// </summary>
    public static (ClassificationReport Report, double Loss) Evaluate(DenseHead head, FeatureSet data, int[] rows, LossFunction loss, int topK)
    {
        if (rows.Length == 0) return Trainer.Evaluate(head, data, rows, loss, topK);
        var layer = (DenseLayer)head.Layers.Single();
        var probabilities = new float[rows.Length * data.Classes.Count];
        double value = new FullBatchPass(layer, data, rows, loss, Environment.ProcessorCount, gradients: false).Probabilities(layer, probabilities);
        return (Report(data, rows, probabilities, topK), value);
    }

    /// <summary>The report of <paramref name="rows"/> from their <paramref name="probabilities"/>.</summary>
    public static ClassificationReport Report(FeatureSet data, int[] rows, float[] probabilities, int topK) =>
        ClassificationReport.Compute(Array.ConvertAll(rows, i => data.Labels[i]), probabilities, data.Classes, topK);

    /// <summary>The rows' mean feature, summed in double in row order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double[] Mean(FeatureSet data, int[] rows, int width)
    {
        var mean = new double[width];
        int vector = Vector<float>.Count, half = Vector<double>.Count;
        foreach (int row in rows)
        {
            var values = data.Row(row);
            int i = 0;
            for (; i <= width - vector; i += vector)
            {
                var v = new Vector<float>(values[i..]);
                (new Vector<double>(mean, i) + Vector.WidenLower(v)).CopyTo(mean, i);
                (new Vector<double>(mean, i + half) + Vector.WidenUpper(v)).CopyTo(mean, i + half);
            }
            for (; i < width; i++) mean[i] += values[i];
        }
        for (int i = 0; i < width; i++) mean[i] /= Math.Max(1, rows.Length);
        return mean;
    }

    // The objective's own sweeps over the weights, once a pass each: in vectors with fused multiply-adds, in a fixed
    // order, so every run gets the same bits.

    /// <summary>Centred (W, c) to the layer's (W, b = c - W^T μ).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Unpack(double[] theta, DenseLayer layer, double[] mean)
    {
        int width = layer.InputWidth, kernel = width * layer.OutputWidth, w = Vector<double>.Count;
        ReadOnlySpan<double> from = theta.AsSpan(0, kernel);
        var to = layer.Kernel.Value.AsSpan();
        int i = 0;
        for (; i <= kernel - 2 * w; i += 2 * w) Vector.Narrow(new Vector<double>(from[i..]), new Vector<double>(from[(i + w)..])).CopyTo(to[i..]);
        for (; i < kernel; i++) to[i] = (float)from[i];
        for (int o = 0; o < layer.OutputWidth; o++) layer.Bias.Value[o] = (float)(theta[kernel + o] - LbfgsSweeps.Dot(from.Slice(o * width, width), mean));
    }

    /// <summary>Adds the penalty's gradient 2 λ w into <paramref name="gradient"/>; returns the penalty λ Σ w².</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Penalize(ReadOnlySpan<double> weights, Span<double> gradient, double l2)
    {
        var (twice, sum) = (new Vector<double>(2 * l2), Vector<double>.Zero);
        int w = Vector<double>.Count, i = 0;
        for (; i <= weights.Length - w; i += w)
        {
            var v = new Vector<double>(weights[i..]);
            sum = Vector.FusedMultiplyAdd(v, v, sum);
            Vector.FusedMultiplyAdd(twice, v, new Vector<double>(gradient[i..])).CopyTo(gradient[i..]);
        }
        double total = Vector.Sum(sum);
        for (; i < weights.Length; i++)
        {
            total += weights[i] * weights[i];
            gradient[i] += 2 * l2 * weights[i];
        }
        return l2 * total;
    }

    /// <summary>into = a + s μ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Combine(ReadOnlySpan<double> a, double[] mean, double s, Span<double> into)
    {
        var vs = new Vector<double>(s);
        int w = Vector<double>.Count, i = 0;
        for (; i <= a.Length - w; i += w) Vector.FusedMultiplyAdd(vs, new Vector<double>(mean, i), new Vector<double>(a[i..])).CopyTo(into[i..]);
        for (; i < a.Length; i++) into[i] = Math.FusedMultiplyAdd(s, mean[i], a[i]);
    }

    /// <summary>The largest |a_i + s μ_i|; NaN if any is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double LargestCombined(ReadOnlySpan<double> a, double[] mean, double s)
    {
        var (vs, largest) = (new Vector<double>(s), Vector<double>.Zero);
        int w = Vector<double>.Count, i = 0;
        for (; i <= a.Length - w; i += w) largest = Vector.Max(largest, Vector.Abs(Vector.FusedMultiplyAdd(vs, new Vector<double>(mean, i), new Vector<double>(a[i..]))));
        double result = 0;
        for (int k = 0; k < w; k++) result = Math.Max(result, largest[k]);
        for (; i < a.Length; i++) result = Math.Max(result, Math.Abs(Math.FusedMultiplyAdd(s, mean[i], a[i])));
        return result;
    }
}
