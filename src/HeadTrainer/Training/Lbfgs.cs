using System.Runtime.CompilerServices;
using static OnnxTransfer.HeadTrainer.Training.LbfgsSweeps;

namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>How an L-BFGS solve ended.</summary>
internal enum LbfgsStop { Converged, IterationCap, LineSearchFailed }

/// <summary>
/// Limited-memory BFGS (memory up to 30; the direction in compact form, <see cref="LbfgsHistory"/>) with a backtracking
/// Armijo line search, in double. Stops when the largest gradient component is at most the tolerance (SciPy's pgtol
/// test), measured by the caller when it solves in other coordinates than the ones the tolerance is stated in; no
/// stop on a small decrease, which is how scikit-learn's lbfgs usually ends (SciPy's ftol, before its `tol`: the
/// linear-probe bench reports where it stopped). Deterministic: no randomness, fixed sums.
/// </summary>
/// <remarks>
/// The correction pairs are kept in float32. The direction reads the whole history twice an iteration, and in double 20
/// pairs of 26,000 weights (the Caltech-sized probe) were 8 MB read twice from L3: 1.5 ms an iteration against the pass's
/// 4 (flowers17's 1.4 MB did not fit the 1 MB L2 either). Only the search direction is built from them: the
/// iterate, the gradient and every stopping test stay in double, and the matrix used is the exact BFGS update from the
/// rounded pairs, whose curvature s'y is taken (and tested) on the rounded values, so it stays positive definite.
/// </remarks>
internal static class Lbfgs
{
    /// <summary>
    /// Correction pairs kept at most. 30 and not SciPy's 10: flowers17's centred linear probe takes 121 iterations with 30,
    /// 140 with 20 and 170 with 10, each pass over its rows costing several times a pair's share of the direction (with
    /// 40, 117 iterations and no faster); the Caltech-sized probe takes 32 with any of them (measured 2026-12-02).
    /// </summary>
    internal const int MaxMemory = 30;

    /// <summary>The fewest pairs a solve keeps, whatever its size: fewer and L-BFGS is little better than gradient descent.</summary>
    internal const int MinMemory = 3;

    /// <summary>
    /// The pairs (two vectors of <paramref name="parameters"/> floats each) that fit <paramref name="bytes"/>, within
    /// <see cref="MinMemory"/>..<see cref="MaxMemory"/>: a VGG19 block5_pool probe (25,088 x 101 weights) would hold 600 MB in 30.
    /// </summary>
    internal static int MemoryFor(long parameters, long bytes) =>
        (int)Math.Clamp(bytes / Math.Max(1, 2 * sizeof(float) * parameters), MinMemory, MaxMemory);
    private const double Armijo = 1e-4;
    private const int MaxBacktracks = 40;
    private const double Rounding = 1e-6;

    /// <summary>
    /// Minimises <paramref name="objective"/> (value; writes the gradient into its second argument) from <paramref name="x"/>, in place.
    /// </summary>
    /// <param name="measure">The stopping test's size of a gradient; default its largest component.</param>
    /// <param name="iterated">Called after each iteration with the iterations done and the new gradient's size.</param>
    /// <param name="memory">Correction pairs kept (<see cref="MemoryFor"/>).</param>
    /// <param name="cores">Cores the history's sweeps run on (<see cref="LbfgsHistory"/>); the result is the same for any number.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (LbfgsStop Stop, int Iterations, double Value, double GradientNorm) Minimize(
        Func<double[], double[], double> objective, double[] x, double tolerance, int maxIterations,
        Func<double[], double>? measure = null, Action<int, double>? iterated = null, int memory = MaxMemory, int cores = 1,
        CancellationToken ct = default)
    {
        measure ??= MaxAbs;
        int n = x.Length;
        var history = new LbfgsHistory(n, memory, cores);
        var g = new double[n];
        double f = objective(x, g);
        var d = new double[n];
        var xNew = new double[n];
        var gNew = new double[n];
        for (int iteration = 0; ; iteration++)
        {
            double norm = measure(g);
            if (iteration > 0) iterated?.Invoke(iteration, norm);
            if (norm <= tolerance) return (LbfgsStop.Converged, iteration, f, norm);
            if (iteration == maxIterations) return (LbfgsStop.IterationCap, iteration, f, norm);
            ct.ThrowIfCancellationRequested();
            double slope = history.Direction(g, d);
            // The first step has no curvature to scale it: a unit-length step along -g, as SciPy's first iteration takes.
            double t = history.Count == 0 ? 1 / Math.Sqrt(-slope) : 1;
            double fNew = double.NaN;
            bool accepted = false;
            for (int k = 0; k < MaxBacktracks && !accepted; k++, t *= 0.5)
            {
                Step(x, t, d, xNew);
                fNew = objective(xNew, gNew);
                // Near the optimum the decrease falls below the objective's rounding (float32 logits, about 1e-7 relative):
                // a step that lowers the gradient and keeps the value within that rounding is taken, as in Hager and Zhang's
                // approximate Wolfe test, so the gradient test, not the rounding, decides when to stop.
                accepted = double.IsFinite(fNew) &&
                    (fNew <= f + Armijo * t * slope || (fNew <= f + Rounding * Math.Abs(f) && measure(gNew) < norm));
                if (accepted) break;
            }
            // No decrease even at tiny steps: the objective's rounding (float32 logits) is larger than what is left to gain.
            if (!accepted) return (LbfgsStop.LineSearchFailed, iteration, f, norm);
            // A pair without positive curvature would make H indefinite; Armijo alone does not guarantee one, so it is refused.
            history.Update(xNew, x, gNew, g);
            xNew.CopyTo(x, 0); // copied, not swapped: the caller's array holds the solution
            (g, gNew) = (gNew, g);
            f = fNew;
        }
    }
}
