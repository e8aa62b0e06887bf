namespace OnnxTransfer.Extractor.Tests.Keras;

/// <summary>An NHWC tensor in double precision for the reference forward passes.</summary>
public sealed class Nhwc(int n, int h, int w, int c)
{
    public int N { get; } = n;
    public int H { get; } = h;
    public int W { get; } = w;
    public int C { get; } = c;
    public double[] D { get; } = new double[n * h * w * c];

    public ref double this[int b, int y, int x, int ch] => ref D[((b * H + y) * W + x) * C + ch];

    public Nhwc Map(Func<double, double> f)
    {
        var r = new Nhwc(N, H, W, C);
        for (int i = 0; i < D.Length; i++) r.D[i] = f(D[i]);
        return r;
    }

    public Nhwc Zip(Nhwc o, Func<double, double, double> f)
    {
        var r = new Nhwc(N, H, W, C);
        for (int i = 0; i < D.Length; i++) r.D[i] = f(D[i], o.D[i]);
        return r;
    }
}

/// <summary>
/// Direct-loop reference layers in NHWC with Keras semantics: 'same' is TensorFlow SAME (output
/// ceil(n/s), padding total max((out-1)s+k-n, 0), the odd pixel after), 'valid' pads nothing.
/// </summary>
public static partial class NaiveOps
{
    private static (int Out, int Before) Geometry(int n, int k, int s, bool same)
    {
        if (!same) return ((n - k) / s + 1, 0);
        int outN = (n + s - 1) / s;
        int total = Math.Max((outN - 1) * s + k - n, 0);
        return (outN, total / 2);
    }

    /// <summary>Conv2D with an HWIO kernel and optional bias.</summary>
    public static Nhwc Conv(Nhwc x, float[] k, int kernel, int cout, int stride, bool same, float[]? bias = null)
    {
        var (oh, pt) = Geometry(x.H, kernel, stride, same);
        var (ow, pl) = Geometry(x.W, kernel, stride, same);
        var r = new Nhwc(x.N, oh, ow, cout);
        int cin = x.C;
        var acc = new double[cout];
        for (int b = 0; b < x.N; b++)
            for (int y = 0; y < oh; y++)
                for (int xx = 0; xx < ow; xx++)
                {
                    for (int o = 0; o < cout; o++) acc[o] = bias?[o] ?? 0;
                    for (int ky = 0; ky < kernel; ky++)
                    {
                        int iy = y * stride + ky - pt;
                        if (iy < 0 || iy >= x.H) continue;
                        for (int kx = 0; kx < kernel; kx++)
                        {
                            int ix = xx * stride + kx - pl;
                            if (ix < 0 || ix >= x.W) continue;
                            int inBase = ((b * x.H + iy) * x.W + ix) * cin;
                            int kBase = (ky * kernel + kx) * cin * cout;
                            for (int i = 0; i < cin; i++)
                            {
                                double v = x.D[inBase + i];
                                int kr = kBase + i * cout;
                                for (int o = 0; o < cout; o++) acc[o] += v * k[kr + o];
                            }
                        }
                    }
                    int outBase = ((b * oh + y) * ow + xx) * cout;
                    for (int o = 0; o < cout; o++) r.D[outBase + o] = acc[o];
                }
        return r;
    }

    /// <summary>DepthwiseConv2D with a (k, k, C, 1) kernel, no bias.</summary>
    public static Nhwc Depthwise(Nhwc x, float[] k, int kernel, int stride, bool same)
    {
        var (oh, pt) = Geometry(x.H, kernel, stride, same);
        var (ow, pl) = Geometry(x.W, kernel, stride, same);
        var r = new Nhwc(x.N, oh, ow, x.C);
        for (int b = 0; b < x.N; b++)
            for (int y = 0; y < oh; y++)
                for (int xx = 0; xx < ow; xx++)
                    for (int c = 0; c < x.C; c++)
                    {
                        double s = 0;
                        for (int ky = 0; ky < kernel; ky++)
                        {
                            int iy = y * stride + ky - pt;
                            if (iy < 0 || iy >= x.H) continue;
                            for (int kx = 0; kx < kernel; kx++)
                            {
                                int ix = xx * stride + kx - pl;
                                if (ix < 0 || ix >= x.W) continue;
                                s += x[b, iy, ix, c] * k[(ky * kernel + kx) * x.C + c];
                            }
                        }
                        r[b, y, xx, c] = s;
                    }
        return r;
    }

    public static Nhwc ZeroPad(Nhwc x, int top, int bottom, int left, int right)
    {
        var r = new Nhwc(x.N, x.H + top + bottom, x.W + left + right, x.C);
        for (int b = 0; b < x.N; b++)
            for (int y = 0; y < x.H; y++)
                for (int xx = 0; xx < x.W; xx++)
                    for (int c = 0; c < x.C; c++)
                        r[b, y + top, xx + left, c] = x[b, y, xx, c];
        return r;
    }

    /// <summary>MaxPooling2D 2x2 stride 2 'valid'.</summary>
    public static Nhwc MaxPool2(Nhwc x)
    {
        var r = new Nhwc(x.N, x.H / 2, x.W / 2, x.C);
        for (int b = 0; b < x.N; b++)
            for (int y = 0; y < r.H; y++)
                for (int xx = 0; xx < r.W; xx++)
                    for (int c = 0; c < x.C; c++)
                        r[b, y, xx, c] = Math.Max(Math.Max(x[b, 2 * y, 2 * xx, c], x[b, 2 * y, 2 * xx + 1, c]),
                            Math.Max(x[b, 2 * y + 1, 2 * xx, c], x[b, 2 * y + 1, 2 * xx + 1, c]));
        return r;
    }

    /// <summary>Global average pooling to (N, 1, 1, C).</summary>
    public static Nhwc GlobalAvg(Nhwc x)
    {
        var r = new Nhwc(x.N, 1, 1, x.C);
        for (int b = 0; b < x.N; b++)
            for (int y = 0; y < x.H; y++)
                for (int xx = 0; xx < x.W; xx++)
                    for (int c = 0; c < x.C; c++)
                        r[b, 0, 0, c] += x[b, y, xx, c] / (x.H * x.W);
        return r;
    }

    public static Nhwc BatchNorm(Nhwc x, float[] gamma, float[] beta, float[] mean, float[] variance, double eps = 1e-3)
    {
        var r = new Nhwc(x.N, x.H, x.W, x.C);
        for (int i = 0; i < x.D.Length; i++)
        {
            int c = i % x.C;
            r.D[i] = (x.D[i] - mean[c]) / Math.Sqrt(variance[c] + eps) * gamma[c] + beta[c];
        }
        return r;
    }

    /// <summary>Per-channel affine map x*scale[c] + offset[c].</summary>
    public static Nhwc PerChannel(Nhwc x, Func<double, int, double> f)
    {
        var r = new Nhwc(x.N, x.H, x.W, x.C);
        for (int i = 0; i < x.D.Length; i++) r.D[i] = f(x.D[i], i % x.C);
        return r;
    }

    /// <summary>x (N,H,W,C) times s (N,1,1,C), broadcast over pixels.</summary>
    public static Nhwc MulPixel(Nhwc x, Nhwc s) => PerChannelBatch(x, (v, b, c) => v * s[b, 0, 0, c]);

    private static Nhwc PerChannelBatch(Nhwc x, Func<double, int, int, double> f)
    {
        var r = new Nhwc(x.N, x.H, x.W, x.C);
        for (int i = 0; i < x.D.Length; i++) r.D[i] = f(x.D[i], i / (x.H * x.W * x.C), i % x.C);
        return r;
    }

    public static double Relu(double v) => Math.Max(v, 0);
    public static double Relu6(double v) => Math.Min(Math.Max(v, 0), 6);
    public static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
    public static double Swish(double v) => v * Sigmoid(v);
}
