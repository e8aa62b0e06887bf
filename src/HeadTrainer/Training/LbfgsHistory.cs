using System.Runtime.CompilerServices;
using static OnnxTransfer.HeadTrainer.Training.LbfgsSweeps;

namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>
/// <see cref="Lbfgs"/>'s correction pairs and its search direction -H g, in the compact form of Byrd, Nocedal and
/// Schnabel (1994; L-BFGS-B's): H = γ I + [S γY] M [S γY]' with M from R (the upper triangle of S'Y) and Y'Y, kept up to
/// date as pairs come and go. The same matrix as the two-loop recursion's; two sweeps over the history an iteration.
/// </summary>
/// <remarks>
/// The two-loop recursion makes 2 m + 1 sweeps, each waiting on the last one's dot product, so it ran on one core: 0.5 ms
/// an iteration for 20 pairs of the Caltech-sized probe's 26,000 weights, a tenth of its pass, and 0.09 of flowers17's
/// 0.3 ms. Here one sweep takes the new pair and every dot product the next direction needs (S'g, Y'g, S'y, Y'y), and one
/// builds the direction; each is split into <see cref="Parts"/> fixed ranges of the weights run on all cores, the ranges'
/// dot products added in range order, so the result is the same on any number of cores: on 2 cores, 0.26-0.36 ms and
/// 0.05 ms an iteration in the same two cases (a probe of the history alone, 2026-12-02). The pairs are float32 (see
/// <see cref="Lbfgs"/>): every dot product is of the rounded values, so the matrix is the exact BFGS update from them.
/// </remarks>
internal sealed class LbfgsHistory
{
    /// <summary>Weights a range of a sweep takes at least: fewer and starting the cores costs more than they save.</summary>
    internal const int RangeWeights = 1024;

    /// <summary>The most ranges a sweep is split into.</summary>
    internal const int MaxParts = 8;

    private readonly int _n, _memory, _parts;
    private readonly ParallelOptions _parallel;
    private readonly List<(float[] S, float[] Y)> _pairs = [];
    private (float[] S, float[] Y) _spare;
    private readonly double[,] _sy, _yy; // _sy[i, j] = s_i'y_j for i <= j (R); _yy symmetric
    private readonly double[] _sg, _yg;   // S'g and Y'g at the current gradient
    private readonly double[] _partials;  // per range: the sweep's dot products
    private readonly double[] _u, _t;

    /// <param name="n">Weights.</param>
    /// <param name="memory">Pairs kept at most.</param>
    /// <param name="cores">Ranges run at once; the result is the same for any number.</param>
    public LbfgsHistory(int n, int memory, int cores)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(memory, 1);
        (_n, _memory) = (n, memory);
        _parts = Math.Clamp(n / RangeWeights, 1, MaxParts);
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, cores) };
        _spare = (new float[n], new float[n]);
        (_sy, _yy) = (new double[memory, memory], new double[memory, memory]);
        (_sg, _yg, _u, _t) = (new double[memory], new double[memory], new double[memory], new double[memory]);
        _partials = new double[_parts * 4 * (memory + 1)];
    }

    /// <summary>The pairs held.</summary>
    public int Count => _pairs.Count;

    /// <summary>Ranges a sweep is split into (a function of the weights alone).</summary>
    public int Parts => _parts;

    /// <summary>
    /// Takes the step's pair s = x' - x, y = g' - g (rounded to float32) unless its curvature s'y is not positive, dropping
    /// the oldest pair when full, and the dot products with g' the next <see cref="Direction"/> needs. False when refused.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Update(double[] xNew, double[] x, double[] gNew, double[] g)
    {
        int m = _pairs.Count, width = 4 * (m + 1);
        Run(part => UpdatePart(part, m, xNew, x, gNew, g));
        Span<double> dots = stackalloc double[width]; // per pair j (the new one last): s_j'y, y_j'y, s_j'g', y_j'g'
        for (int part = 0; part < _parts; part++)
            for (int i = 0; i < width; i++) dots[i] += _partials[part * width + i];
        for (int j = 0; j < m; j++) (_sg[j], _yg[j]) = (dots[4 * j + 2], dots[4 * j + 3]);
        double sy = dots[4 * m], yy = dots[4 * m + 1];
        if (!(sy > 1e-12 * yy)) return false;
        if (m == _memory)
        {
            // The oldest pair's arrays become the next spare, and every matrix entry moves up and left by one.
            var oldest = _pairs[0];
            _pairs.RemoveAt(0);
            for (int i = 0; i < m - 1; i++)
            {
                (_sg[i], _yg[i]) = (_sg[i + 1], _yg[i + 1]);
                for (int j = 0; j < m - 1; j++) (_sy[i, j], _yy[i, j]) = (_sy[i + 1, j + 1], _yy[i + 1, j + 1]);
                (dots[4 * i], dots[4 * i + 1]) = (dots[4 * (i + 1)], dots[4 * (i + 1) + 1]);
            }
            m--;
            _pairs.Add(_spare);
            _spare = oldest;
        }
        else
        {
            _pairs.Add(_spare);
            _spare = (new float[_n], new float[_n]);
        }
        for (int j = 0; j < m; j++)
        {
            _sy[j, m] = dots[4 * j];
            _yy[j, m] = _yy[m, j] = dots[4 * j + 1];
        }
        (_sy[m, m], _yy[m, m]) = (sy, yy);
        (_sg[m], _yg[m]) = (dots[^2], dots[^1]);
        return true;
    }

    /// <summary>d = -H g at the gradient of the last <see cref="Update"/> (or any g without pairs); returns g'd.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Direction(double[] g, double[] d)
    {
        int m = _pairs.Count;
        if (m == 0)
        {
            Scale(-1, g, d);
            return -Dot(g, g);
        }
        double gamma = _sy[m - 1, m - 1] / _yy[m - 1, m - 1];
        // u = R⁻¹ S'g; t = R⁻ᵀ ((D + γ Y'Y) u - γ Y'g); then H g = γ g + S t - γ Y u.
        for (int i = m - 1; i >= 0; i--)
        {
            double sum = _sg[i];
            for (int j = i + 1; j < m; j++) sum -= _sy[i, j] * _u[j];
            _u[i] = sum / _sy[i, i];
        }
        for (int i = 0; i < m; i++)
        {
            double w = _sy[i, i] * _u[i] - gamma * _yg[i];
            for (int j = 0; j < m; j++) w += gamma * _yy[i, j] * _u[j];
            for (int j = 0; j < i; j++) w -= _sy[j, i] * _t[j];
            _t[i] = w / _sy[i, i];
        }
        Run(part => DirectionPart(part, m, gamma, g, d));
        double slope = 0;
        for (int part = 0; part < _parts; part++) slope += _partials[part];
        return slope;
    }

    /// <summary>
    /// Range <paramref name="part"/> of <see cref="Update"/>'s sweep: the new pair's values there, then its partial dot
    /// products, per pair (the new one last) s_j'y, y_j'y, s_j'g', y_j'g'.
    /// </summary>
    /// <remarks>A method compiled optimized at once, not a lambda's body, which would start at tier 0.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void UpdatePart(int part, int m, double[] xNew, double[] x, double[] gNew, double[] g)
    {
        var (from, to) = Range(part);
        Span<float> newS = _spare.S.AsSpan(from..to), newY = _spare.Y.AsSpan(from..to);
        Difference(xNew.AsSpan(from..to), x.AsSpan(from..to), newS);
        Difference(gNew.AsSpan(from..to), g.AsSpan(from..to), newY);
        int width = 4 * (m + 1);
        var into = _partials.AsSpan(part * width, width);
        var gradient = gNew.AsSpan(from..to);
        for (int j = 0; j < m; j++) FourDots(_pairs[j].S.AsSpan(from..to), _pairs[j].Y.AsSpan(from..to), newY, gradient, into.Slice(4 * j, 4));
        FourDots(newS, newY, newY, gradient, into.Slice(4 * m, 4));
    }

    /// <summary>Range <paramref name="part"/> of <see cref="Direction"/>'s sweep: d = -γ g - S t + γ Y u there, and its g'd.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DirectionPart(int part, int m, double gamma, double[] g, double[] d)
    {
        var (from, to) = Range(part);
        var into = d.AsSpan(from..to);
        Scale(-gamma, g.AsSpan(from..to), into);
        for (int j = 0; j < m; j++) AxpyPair(-_t[j], _pairs[j].S.AsSpan(from..to), gamma * _u[j], _pairs[j].Y.AsSpan(from..to), into);
        _partials[part] = Dot(g.AsSpan(from..to), into);
    }

    private (int From, int To) Range(int part) =>
        ((int)((long)_n * part / _parts) & ~15, part == _parts - 1 ? _n : (int)((long)_n * (part + 1) / _parts) & ~15);

    private void Run(Action<int> part)
    {
        if (_parts == 1 || _parallel.MaxDegreeOfParallelism == 1)
            for (int p = 0; p < _parts; p++) part(p);
        else Parallel.For(0, _parts, _parallel, part);
    }
}
