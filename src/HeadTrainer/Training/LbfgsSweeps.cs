using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>
/// <see cref="Lbfgs"/>'s vector work: sweeps over the weights in double, the correction pairs' vectors in float. Each in
/// a fixed order, so a machine gets the same sums on every run.
/// </summary>
/// <remarks>
/// Through array-indexed vectors every load was bounds-checked and the dots were a multiply then a dependent add, so a
/// flowers17-sized solve (4,369 weights, 20 pairs) spent 0.14 ms an iteration in these sweeps, near the pass's 0.15-0.25.
/// Here the loads go by reference after one length check, every multiply-add is fused, and the dots run in four chains so
/// none waits on the last's latency. Inlined into Minimize, which is compiled optimized at once: a process makes only a
/// few solves, and tiered compilation would leave them at their first tiers.
/// </remarks>
internal static class LbfgsSweeps
{
    private static int F => Vector<float>.Count;
    private static int D => Vector<double>.Count;

    /// <summary>Σ a_i b_i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Dot(double[] a, double[] b)
    {
        int n = Same(a.Length, b.Length), i = 0;
        ref double ra = ref MemoryMarshal.GetArrayDataReference(a), rb = ref MemoryMarshal.GetArrayDataReference(b);
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

    /// <summary>Σ a_i b_i in double over two float vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Dot(float[] a, float[] b)
    {
        int n = Same(a.Length, b.Length), i = 0;
        ref float ra = ref MemoryMarshal.GetArrayDataReference(a), rb = ref MemoryMarshal.GetArrayDataReference(b);
        Vector<double> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; i <= n - 2 * F; i += 2 * F)
        {
            var (u, v) = (Load(ref ra, i), Load(ref rb, i));
            s0 = Vector.FusedMultiplyAdd(Vector.WidenLower(u), Vector.WidenLower(v), s0);
            s1 = Vector.FusedMultiplyAdd(Vector.WidenUpper(u), Vector.WidenUpper(v), s1);
            (u, v) = (Load(ref ra, i + F), Load(ref rb, i + F));
            s2 = Vector.FusedMultiplyAdd(Vector.WidenLower(u), Vector.WidenLower(v), s2);
            s3 = Vector.FusedMultiplyAdd(Vector.WidenUpper(u), Vector.WidenUpper(v), s3);
        }
        double total = Vector.Sum(s0 + s1 + (s2 + s3));
        for (; i < n; i++) total += (double)a[i] * b[i];
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

    /// <summary>into = a x; returns s'into.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ScaleDot(double a, double[] x, double[] into, float[] s)
    {
        int n = Same(Same(x.Length, into.Length), s.Length), i = 0;
        ref double rx = ref MemoryMarshal.GetArrayDataReference(x), ri = ref MemoryMarshal.GetArrayDataReference(into);
        ref float rs = ref MemoryMarshal.GetArrayDataReference(s);
        var va = new Vector<double>(a);
        Vector<double> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; i <= n - 2 * F; i += 2 * F)
        {
            var (y0, y1, y2, y3) = (va * Load(ref rx, i), va * Load(ref rx, i + D), va * Load(ref rx, i + 2 * D), va * Load(ref rx, i + 3 * D));
            Store(y0, ref ri, i);
            Store(y1, ref ri, i + D);
            Store(y2, ref ri, i + 2 * D);
            Store(y3, ref ri, i + 3 * D);
            (s0, s1, s2, s3) = Dots(Load(ref rs, i), Load(ref rs, i + F), y0, y1, y2, y3, s0, s1, s2, s3);
        }
        double total = Vector.Sum(s0 + s1 + (s2 + s3));
        for (; i < n; i++) total += s[i] * (into[i] = a * x[i]);
        return total;
    }

    /// <summary>y += a x; returns s'y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double AxpyDot(double a, float[] x, double[] y, float[] s) => AxpyScaleDot(a, x, 1, y, s, scale: false);

    /// <summary>y = factor (y + a x); returns s'y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double AxpyScaleDot(double a, float[] x, double factor, double[] y, float[] s, bool scale = true)
    {
        int n = Same(Same(x.Length, y.Length), s.Length), i = 0;
        ref float rx = ref MemoryMarshal.GetArrayDataReference(x), rs = ref MemoryMarshal.GetArrayDataReference(s);
        ref double ry = ref MemoryMarshal.GetArrayDataReference(y);
        var (va, vf) = (new Vector<double>(a), new Vector<double>(factor));
        Vector<double> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; i <= n - 2 * F; i += 2 * F)
        {
            var (u, v) = (Load(ref rx, i), Load(ref rx, i + F));
            var y0 = Vector.FusedMultiplyAdd(va, Vector.WidenLower(u), Load(ref ry, i));
            var y1 = Vector.FusedMultiplyAdd(va, Vector.WidenUpper(u), Load(ref ry, i + D));
            var y2 = Vector.FusedMultiplyAdd(va, Vector.WidenLower(v), Load(ref ry, i + 2 * D));
            var y3 = Vector.FusedMultiplyAdd(va, Vector.WidenUpper(v), Load(ref ry, i + 3 * D));
            if (scale) (y0, y1, y2, y3) = (vf * y0, vf * y1, vf * y2, vf * y3);
            Store(y0, ref ry, i);
            Store(y1, ref ry, i + D);
            Store(y2, ref ry, i + 2 * D);
            Store(y3, ref ry, i + 3 * D);
            (s0, s1, s2, s3) = Dots(Load(ref rs, i), Load(ref rs, i + F), y0, y1, y2, y3, s0, s1, s2, s3);
        }
        double total = Vector.Sum(s0 + s1 + (s2 + s3));
        for (; i < n; i++)
        {
            y[i] = Math.FusedMultiplyAdd(a, x[i], y[i]);
            if (scale) y[i] *= factor;
            total += s[i] * y[i];
        }
        return total;
    }

    /// <summary>y += a x, x a pair's floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(double a, float[] x, double[] y)
    {
        int n = Same(x.Length, y.Length), i = 0;
        ref float rx = ref MemoryMarshal.GetArrayDataReference(x);
        ref double ry = ref MemoryMarshal.GetArrayDataReference(y);
        var va = new Vector<double>(a);
        for (; i <= n - F; i += F)
        {
            var v = Load(ref rx, i);
            Store(Vector.FusedMultiplyAdd(va, Vector.WidenLower(v), Load(ref ry, i)), ref ry, i);
            Store(Vector.FusedMultiplyAdd(va, Vector.WidenUpper(v), Load(ref ry, i + D)), ref ry, i + D);
        }
        for (; i < n; i++) y[i] = Math.FusedMultiplyAdd(a, x[i], y[i]);
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
    public static void Scale(double a, double[] x, double[] into)
    {
        int n = Same(x.Length, into.Length), i = 0;
        ref double rx = ref MemoryMarshal.GetArrayDataReference(x), ri = ref MemoryMarshal.GetArrayDataReference(into);
        var va = new Vector<double>(a);
        for (; i <= n - D; i += D) Store(va * Load(ref rx, i), ref ri, i);
        for (; i < n; i++) into[i] = a * x[i];
    }

    /// <summary>into = a - b, rounded to float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Difference(double[] a, double[] b, float[] into)
    {
        int n = Same(Same(a.Length, b.Length), into.Length), i = 0;
        ref double ra = ref MemoryMarshal.GetArrayDataReference(a), rb = ref MemoryMarshal.GetArrayDataReference(b);
        ref float ri = ref MemoryMarshal.GetArrayDataReference(into);
        for (; i <= n - F; i += F)
            Store(Vector.Narrow(Load(ref ra, i) - Load(ref rb, i), Load(ref ra, i + D) - Load(ref rb, i + D)), ref ri, i);
        for (; i < n; i++) into[i] = (float)(a[i] - b[i]);
    }

    /// <summary>Four chains' s'y step: 2 F floats of s against the four double vectors they widen to.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector<double>, Vector<double>, Vector<double>, Vector<double>) Dots(Vector<float> u, Vector<float> v,
        Vector<double> y0, Vector<double> y1, Vector<double> y2, Vector<double> y3,
        Vector<double> s0, Vector<double> s1, Vector<double> s2, Vector<double> s3) =>
        (Vector.FusedMultiplyAdd(Vector.WidenLower(u), y0, s0), Vector.FusedMultiplyAdd(Vector.WidenUpper(u), y1, s1),
         Vector.FusedMultiplyAdd(Vector.WidenLower(v), y2, s2), Vector.FusedMultiplyAdd(Vector.WidenUpper(v), y3, s3));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Load<T>(ref T at, int i) => Vector.LoadUnsafe(ref at, (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(Vector<T> value, ref T at, int i) => value.StoreUnsafe(ref at, (nuint)i);

    /// <summary>The loads go unchecked, so every vector of a sweep must have the same length; checked once.</summary>
    private static int Same(int a, int b) => a == b ? a : throw new ArgumentException($"L-BFGS's vectors differ in length: {a} and {b}.");
}
