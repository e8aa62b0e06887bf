namespace OnnxTransfer.Extractor.Tests.Keras;

public static partial class NaiveOps
{
    /// <summary>MaxPooling2D(pool, strides) 'valid': output (n - pool) / stride + 1 per side, no padding.</summary>
    public static Nhwc MaxPool(Nhwc x, int pool, int stride)
    {
        var r = new Nhwc(x.N, (x.H - pool) / stride + 1, (x.W - pool) / stride + 1, x.C);
        for (int b = 0; b < x.N; b++)
            for (int y = 0; y < r.H; y++)
                for (int xx = 0; xx < r.W; xx++)
                    for (int c = 0; c < x.C; c++)
                    {
                        double m = double.NegativeInfinity;
                        for (int ky = 0; ky < pool; ky++)
                            for (int kx = 0; kx < pool; kx++)
                                m = Math.Max(m, x[b, y * stride + ky, xx * stride + kx, c]);
                        r[b, y, xx, c] = m;
                    }
        return r;
    }
}
