namespace OnnxTransfer.Extractor.Tests.Keras;

/// <summary>The reference layers InceptionV3 adds: rectangular kernels, pooling windows, channel concatenation.</summary>
public static partial class NaiveOps
{
    /// <summary>Conv2D with a rows x cols HWIO kernel, strides (s, s) and optional bias.</summary>
    public static Nhwc Conv(Nhwc x, float[] k, int rows, int cols, int cout, int stride, bool same, float[]? bias = null)
    {
        var (oh, pt) = Geometry(x.H, rows, stride, same);
        var (ow, pl) = Geometry(x.W, cols, stride, same);
        var r = new Nhwc(x.N, oh, ow, cout);
        int cin = x.C;
        var acc = new double[cout];
        for (int b = 0; b < x.N; b++)
            for (int y = 0; y < oh; y++)
                for (int xx = 0; xx < ow; xx++)
                {
                    for (int o = 0; o < cout; o++) acc[o] = bias?[o] ?? 0;
                    for (int ky = 0; ky < rows; ky++)
                    {
                        int iy = y * stride + ky - pt;
                        if (iy < 0 || iy >= x.H) continue;
                        for (int kx = 0; kx < cols; kx++)
                        {
                            int ix = xx * stride + kx - pl;
                            if (ix < 0 || ix >= x.W) continue;
                            int inBase = ((b * x.H + iy) * x.W + ix) * cin;
                            int kBase = (ky * cols + kx) * cin * cout;
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

    /// <summary>MaxPooling2D or AveragePooling2D (pool, strides). A 'same' average divides by the pixels of the
    /// window inside the image, as TensorFlow does, not by pool x pool.</summary>
    public static Nhwc Pool(Nhwc x, int pool, int stride, bool same, bool max)
    {
        var (oh, pt) = Geometry(x.H, pool, stride, same);
        var (ow, pl) = Geometry(x.W, pool, stride, same);
        var r = new Nhwc(x.N, oh, ow, x.C);
        for (int b = 0; b < x.N; b++)
            for (int y = 0; y < oh; y++)
                for (int xx = 0; xx < ow; xx++)
                    for (int c = 0; c < x.C; c++)
                    {
                        double acc = max ? double.NegativeInfinity : 0;
                        int count = 0;
                        for (int ky = 0; ky < pool; ky++)
                            for (int kx = 0; kx < pool; kx++)
                            {
                                int iy = y * stride + ky - pt, ix = xx * stride + kx - pl;
                                if (iy < 0 || iy >= x.H || ix < 0 || ix >= x.W) continue;
                                double v = x[b, iy, ix, c];
                                acc = max ? Math.Max(acc, v) : acc + v;
                                count++;
                            }
                        r[b, y, xx, c] = max ? acc : acc / count;
                    }
        return r;
    }

    /// <summary>Concatenate(axis=-1).</summary>
    public static Nhwc Concat(params Nhwc[] parts)
    {
        var r = new Nhwc(parts[0].N, parts[0].H, parts[0].W, parts.Sum(p => p.C));
        int pixels = r.N * r.H * r.W;
        for (int p = 0; p < pixels; p++)
        {
            int offset = 0;
            foreach (var part in parts)
            {
                Array.Copy(part.D, p * part.C, r.D, p * r.C + offset, part.C);
                offset += part.C;
            }
        }
        return r;
    }
}
