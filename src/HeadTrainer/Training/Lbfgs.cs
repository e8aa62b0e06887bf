using System.Numerics;

namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>How an L-BFGS solve ended.</summary>
internal enum LbfgsStop { Converged, IterationCap, LineSearchFailed }

/// <summary>
/// Limited-memory BFGS (Nocedal and Wright, algorithm 7.4: two-loop recursion, memory up to 20) with a backtracking
/// Armijo line search, in double. Stops when the largest gradient component is at most the tolerance, which is
/// scikit-learn's lbfgs `tol` test (SciPy's pgtol on its mean objective), measured by the caller when it solves in other
/// coordinates than the ones the tolerance is stated in. Deterministic: no randomness, fixed sums.
/// </summary>
internal static class Lbfgs
{
    /// <summary>Correction pairs kept at most. 20 and not SciPy's 10: on flowers17's centred linear probe 140 iterations against 170,
    /// each pass over the rows costing far more than the longer two-loop recursion (measured 2026-12-01).</summary>
    internal const int MaxMemory = 20;

    /// <summary>The fewest pairs a solve keeps, whatever its size: fewer and L-BFGS is little better than gradient descent.</summary>
    internal const int MinMemory = 3;

    /// <summary>
    /// The pairs (two vectors of <paramref name="parameters"/> doubles each) that fit <paramref name="bytes"/>, within
    /// <see cref="MinMemory"/>..<see cref="MaxMemory"/>: a VGG19 block5_pool probe (25,088 x 101 weights) would hold 800 MB in 20.
    /// </summary>
    internal static int MemoryFor(long parameters, long bytes) =>
        (int)Math.Clamp(bytes / Math.Max(1, 2 * sizeof(double) * parameters), MinMemory, MaxMemory);
    private const double Armijo = 1e-4;
    private const int MaxBacktracks = 40;
    private const double Rounding = 1e-6;

    /// <summary>
    /// Minimises <paramref name="objective"/> (value; writes the gradient into its second argument) from <paramref name="x"/>, in place.
    /// </summary>
    /// <param name="measure">The stopping test's size of a gradient; default its largest component.</param>
    /// <param name="iterated">Called after each iteration with the iterations done and the new gradient's size.</param>
    /// <param name="memory">Correction pairs kept (<see cref="MemoryFor"/>).</param>
    public static (LbfgsStop Stop, int Iterations, double Value, double GradientNorm) Minimize(
        Func<double[], double[], double> objective, double[] x, double tolerance, int maxIterations,
        Func<double[], double>? measure = null, Action<int, double>? iterated = null, int memory = MaxMemory, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(memory, 1);
        measure ??= MaxAbs;
        int n = x.Length;
        var g = new double[n];
        double f = objective(x, g);
        var s = new List<double[]>();
        var y = new List<double[]>();
        var rho = new List<double>();
        var d = new double[n];
        var xNew = new double[n];
        var gNew = new double[n];
        var alpha = new double[memory];
        var (spareS, spareY) = (new double[n], new double[n]); // the next pair's arrays; a pair refused leaves them spare
        for (int iteration = 0; ; iteration++)
        {
            double norm = measure(g);
            if (iteration > 0) iterated?.Invoke(iteration, norm);
            if (norm <= tolerance) return (LbfgsStop.Converged, iteration, f, norm);
            if (iteration == maxIterations) return (LbfgsStop.IterationCap, iteration, f, norm);
            ct.ThrowIfCancellationRequested();
            // Two-loop recursion: d = -H g, with H0 = (s'y / y'y) I from the newest pair.
            for (int i = 0; i < n; i++) d[i] = -g[i];
            for (int j = s.Count - 1; j >= 0; j--)
            {
                alpha[j] = rho[j] * Dot(s[j], d);
                Axpy(-alpha[j], y[j], d);
            }
            if (s.Count > 0)
            {
                double gamma = Dot(s[^1], y[^1]) / Dot(y[^1], y[^1]);
                for (int i = 0; i < n; i++) d[i] *= gamma;
            }
            for (int j = 0; j < s.Count; j++)
                Axpy(alpha[j] - rho[j] * Dot(y[j], d), s[j], d);
            double slope = Dot(g, d);
            // The first step has no curvature to scale it: a unit-length step along -g, as SciPy's first iteration takes.
            double t = s.Count == 0 ? 1 / Math.Sqrt(Dot(g, g)) : 1;
            double fNew = double.NaN;
            bool accepted = false;
            for (int k = 0; k < MaxBacktracks && !accepted; k++, t *= 0.5)
            {
                for (int i = 0; i < n; i++) xNew[i] = x[i] + t * d[i];
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
            var (sk, yk) = (spareS, spareY);
            for (int i = 0; i < n; i++) { sk[i] = xNew[i] - x[i]; yk[i] = gNew[i] - g[i]; }
            double sy = Dot(sk, yk);
            // A pair without positive curvature would make H indefinite; Armijo alone does not guarantee one, so skip it.
            if (sy > 1e-12 * Dot(yk, yk))
            {
                // The dropped oldest pair's arrays take the next pair: a solve allocates its history once.
                if (s.Count == memory) { (spareS, spareY) = (s[0], y[0]); s.RemoveAt(0); y.RemoveAt(0); rho.RemoveAt(0); }
                else (spareS, spareY) = (new double[n], new double[n]);
                s.Add(sk);
                y.Add(yk);
                rho.Add(1 / sy);
            }
            xNew.CopyTo(x, 0); // copied, not swapped: the caller's array holds the solution
            (g, gNew) = (gNew, g);
            f = fNew;
        }
    }

    private static double MaxAbs(double[] v)
    {
        double m = 0;
        foreach (double e in v) m = Math.Max(m, Math.Abs(e));
        return m;
    }

    // Dot and Axpy are most of an iteration's own work (the two-loop recursion makes 4 m + 2 passes over the weights):
    // in vectors, in a fixed order, so a machine gets the same sums on every run.
    private static double Dot(double[] a, double[] b)
    {
        var sum = Vector<double>.Zero;
        int i = 0;
        for (; i <= a.Length - Vector<double>.Count; i += Vector<double>.Count) sum += new Vector<double>(a, i) * new Vector<double>(b, i);
        double total = Vector.Sum(sum);
        for (; i < a.Length; i++) total += a[i] * b[i];
        return total;
    }

    private static void Axpy(double a, double[] x, double[] y)
    {
        var va = new Vector<double>(a);
        int i = 0;
        for (; i <= x.Length - Vector<double>.Count; i += Vector<double>.Count) (new Vector<double>(y, i) + va * new Vector<double>(x, i)).CopyTo(y, i);
        for (; i < x.Length; i++) y[i] += a * x[i];
    }
}
