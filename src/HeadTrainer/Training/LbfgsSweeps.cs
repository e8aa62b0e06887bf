using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>
/// <see cref="Lbfgs"/>'s vector work: sweeps over (ranges of) the weights in double, the correction pairs' vectors in
/// float. Each in a fixed order, so a machine gets the same sums on every run.
/// </summary>
/// <remarks>
/// The loads go by reference after one length check, every multiply-add is fused, and the dots run in two or four chains
/// so none waits on the last's latency: through array-indexed vectors every load was bounds-checked and each dot a
/// multiply then a dependent add. Inlined into their callers, which are compiled optimized at once: a process makes only a
/// few solves, and tiered compilation would leave them at their first tiers.
/// </remarks>
internal static class LbfgsSweeps
{
    private static int F => Vector<float>.Count;
    private static int D => Vector<double>.Count;

    /// <summary>Σ a_i b_i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int n = Same(a.Length, b.Length), i = 0;
        ref double ra = ref MemoryMarshal.GetReference(a), rb = ref MemoryMarshal.GetReference(b);
        Vector<double> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; i <= n - 4 * D; i += 4 * D)
        {
            s0 = Vector.FusedMultiplyAdd(Load(ref ra, i), Load(ref rb, i), s0);
            s1 = Vector.FusedMultiplyAdd(Load(ref ra, i + D), Load(ref rb, i + D), s1);
            s2 = Vector.FusedMultiplyAdd(Load(ref ra, i + 2 * D), Load(ref rb, i + 2 * D), s2);
            s3 = Vector.FusedMultiplyAdd(Load(ref ra, i + 3 * D), Load(ref rb, i + 3 * D), s3);
        }
        double total = Vector.Sum(s0 + s1 + (s2 + s3));
        for (; i < n; i++) total += a[i] * b[i];
        return total;
    }

    /// <summary>The largest |v_i|; NaN if any is (Vector.Max propagates it, as Math.Max).</summary>
    public static double MaxAbs(double[] v)
    {
        var m = Vector<double>.Zero;
        int i = 0;
        ref double rv = ref MemoryMarshal.GetArrayDataReference(v);
        for (; i <= v.Length - D; i += D) m = Vector.Max(m, Vector.Abs(Load(ref rv, i)));
        double largest = 0;
        for (int k = 0; k < D; k++) largest = Math.Max(largest, m[k]);
        for (; i < v.Length; i++) largest = Math.Max(largest, Math.Abs(v[i]));
        return largest;
    }

    /// <summary>
    /// Σ s_i v_i, Σ y_i v_i, Σ s_i g_i, Σ y_i g_i into <paramref name="into"/>: a stored pair (s, y) against the new
    /// pair's y (v) and the new gradient g, in one read of each.
    /// </summary>
    /// <remarks>
    /// Compiled optimized at once rather than inlined: the JIT declined to inline it, and at tier 0 it held a process's
    /// first flowers17 fits at 0.08-0.12 s against 0.04 once tiered up.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FourDots(ReadOnlySpan<float> s, ReadOnlySpan<float> y, ReadOnlySpan<float> v, ReadOnlySpan<double> g, Span<double> into)
    {
        int n = Same(Same(Same(s.Length, y.Length), v.Length), g.Length), i = 0;
        ref float rs = ref MemoryMarshal.GetReference(s), ry = ref MemoryMarshal.GetReference(y), rv = ref MemoryMarshal.GetReference(v);
        ref double rg = ref MemoryMarshal.GetReference(g);
        // Eight chains, one multiply-add each a step: two in a chain would make each step wait on both.
        Vector<double> sv0 = default, sv1 = default, yv0 = default, yv1 = default, sg0 = default, sg1 = default, yg0 = default, yg1 = default;
        for (; i <= n - F; i += F)
        {
            var (vs, vy, vv) = (Load(ref rs, i), Load(ref ry, i), Load(ref rv, i));
            var (g0, g1) = (Load(ref rg, i), Load(ref rg, i + D));
            var (s0, s1, y0, y1) = (Vector.WidenLower(vs), Vector.WidenUpper(vs), Vector.WidenLower(vy), Vector.WidenUpper(vy));
            var (v0, v1) = (Vector.WidenLower(vv), Vector.WidenUpper(vv));
            (sv0, sv1) = (Vector.FusedMultiplyAdd(s0, v0, sv0), Vector.FusedMultiplyAdd(s1, v1, sv1));
            (yv0, yv1) = (Vector.FusedMultiplyAdd(y0, v0, yv0), Vector.FusedMultiplyAdd(y1, v1, yv1));
            (sg0, sg1) = (Vector.FusedMultiplyAdd(s0, g0, sg0), Vector.FusedMultiplyAdd(s1, g1, sg1));
            (yg0, yg1) = (Vector.FusedMultiplyAdd(y0, g0, yg0), Vector.FusedMultiplyAdd(y1, g1, yg1));
        }
        var (a, b, c, d) = (Vector.Sum(sv0 + sv1), Vector.Sum(yv0 + yv1), Vector.Sum(sg0 + sg1), Vector.Sum(yg0 + yg1));
        for (; i < n; i++)
        {
            a += (double)s[i] * v[i];
            b += (double)y[i] * v[i];
            c += s[i] * g[i];
            d += y[i] * g[i];
        }
        (into[0], into[1], into[2], into[3]) = (a, b, c, d);
    }

    /// <summary>d += a s + b y, (s, y) a stored pair.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AxpyPair(double a, ReadOnlySpan<float> s, double b, ReadOnlySpan<float> y, Span<double> d)
    {
        int n = Same(Same(s.Length, y.Length), d.Length), i = 0;
        ref float rs = ref MemoryMarshal.GetReference(s), ry = ref MemoryMarshal.GetReference(y);
        ref double rd = ref MemoryMarshal.GetReference(d);
        var (va, vb) = (new Vector<double>(a), new Vector<double>(b));
        for (; i <= n - F; i += F)
        {
            var (vs, vy) = (Load(ref rs, i), Load(ref ry, i));
            Store(Vector.FusedMultiplyAdd(vb, Vector.WidenLower(vy), Vector.FusedMultiplyAdd(va, Vector.WidenLower(vs), Load(ref rd, i))), ref rd, i);
            Store(Vector.FusedMultiplyAdd(vb, Vector.WidenUpper(vy), Vector.FusedMultiplyAdd(va, Vector.WidenUpper(vs), Load(ref rd, i + D))), ref rd, i + D);
        }
        for (; i < n; i++) d[i] = Math.FusedMultiplyAdd(b, y[i], Math.FusedMultiplyAdd(a, s[i], d[i]));
    }

    /// <summary>into = x + t d.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Step(double[] x, double t, double[] d, double[] into)
    {
        int n = Same(Same(x.Length, d.Length), into.Length), i = 0;
        ref double rx = ref MemoryMarshal.GetArrayDataReference(x), rd = ref MemoryMarshal.GetArrayDataReference(d);
        ref double ri = ref MemoryMarshal.GetArrayDataReference(into);
        var vt = new Vector<double>(t);
        for (; i <= n - D; i += D) Store(Vector.FusedMultiplyAdd(vt, Load(ref rd, i), Load(ref rx, i)), ref ri, i);
        for (; i < n; i++) into[i] = Math.FusedMultiplyAdd(t, d[i], x[i]);
    }

    /// <summary>into = a x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scale(double a, ReadOnlySpan<double> x, Span<double> into)
    {
        int n = Same(x.Length, into.Length), i = 0;
        ref double rx = ref MemoryMarshal.GetReference(x), ri = ref MemoryMarshal.GetReference(into);
        var va = new Vector<double>(a);
        for (; i <= n - D; i += D) Store(va * Load(ref rx, i), ref ri, i);
        for (; i < n; i++) into[i] = a * x[i];
    }

    /// <summary>into = a - b, rounded to float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Difference(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<float> into)
    {
        int n = Same(Same(a.Length, b.Length), into.Length), i = 0;
        ref double ra = ref MemoryMarshal.GetReference(a), rb = ref MemoryMarshal.GetReference(b);
        ref float ri = ref MemoryMarshal.GetReference(into);
        for (; i <= n - F; i += F)
            Store(Vector.Narrow(Load(ref ra, i) - Load(ref rb, i), Load(ref ra, i + D) - Load(ref rb, i + D)), ref ri, i);
        for (; i < n; i++) into[i] = (float)(a[i] - b[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Load<T>(ref T at, int i) => Vector.LoadUnsafe(ref at, (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(Vector<T> value, ref T at, int i) => value.StoreUnsafe(ref at, (nuint)i);

    /// <summary>The loads go unchecked, so every vector of a sweep must have the same length; checked once.</summary>
    private static int Same(int a, int b) => a == b ? a : throw new ArgumentException($"L-BFGS's vectors differ in length: {a} and {b}.");
}
