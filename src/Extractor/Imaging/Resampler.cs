using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OnnxTransfer.Extractor.Imaging;

/// <summary>
/// Separable resampling of interleaved 3-channel float images (HWC), with the sampling rules of
/// TensorFlow 2's tf.image.resize (antialias=False, half-pixel centres): a source coordinate for
/// output index o is (o + 0.5) * in / out - 0.5.
/// </summary>
internal static class Resampler
{
    private const int Channels = 3;

    /// <summary>
    /// The largest centred window of the target aspect ratio inside a width x height image, as Keras's
    /// crop_to_aspect_ratio computes it (integer size, offsets rounded down).
    /// </summary>
    public static (int X, int Y, int Width, int Height) CenterCrop(int width, int height, int targetWidth, int targetHeight)
    {
        long cropW = Math.Min(width, (long)height * targetWidth / targetHeight);
        long cropH = Math.Min(height, (long)width * targetHeight / targetWidth);
        cropW = Math.Max(1, cropW);
        cropH = Math.Max(1, cropH);
        return ((int)((width - cropW) / 2), (int)((height - cropH) / 2), (int)cropW, (int)cropH);
    }

    /// <summary>Resizes <paramref name="src"/> (srcHeight x srcWidth x 3) into <paramref name="dst"/> (dstHeight x dstWidth x 3).</summary>
    public static void Resize(ReadOnlySpan<float> src, int srcWidth, int srcHeight,
                              Span<float> dst, int dstWidth, int dstHeight, Interpolation interpolation)
    {
        if (src.Length < srcWidth * srcHeight * Channels) throw new ArgumentException("Source is smaller than its dimensions.", nameof(src));
        var plan = Plan.Create(srcWidth, srcHeight, dst, dstWidth, dstHeight, interpolation);
        try
        {
            for (int y = 0; y < srcHeight; y++)
                if (plan.RowNeeded[y]) plan.Horizontal(src.Slice(y * srcWidth * Channels, srcWidth * Channels), y);
            plan.Vertical(dst);
        }
        finally { plan.Return(); }
    }

    /// <summary>
    /// Crops and resizes an upright view of a decoded image, converting one source row at a time, so
    /// memory stays at one float row plus the horizontally filtered rows whatever the photo's size.
    /// </summary>
    internal static void Resize(in OrientedImage image, (int X, int Y, int Width, int Height) crop,
                                Span<float> dst, int dstWidth, int dstHeight, Interpolation interpolation)
    {
        var plan = Plan.Create(crop.Width, crop.Height, dst, dstWidth, dstHeight, interpolation);
        float[] row = System.Buffers.ArrayPool<float>.Shared.Rent(crop.Width * Channels);
        try
        {
            var rowSpan = row.AsSpan(0, crop.Width * Channels);
            for (int y = 0; y < crop.Height; y++)
            {
                if (!plan.RowNeeded[y]) continue;
                if (image.HasAlpha)
                {
                    image.CopyRgb(crop.X, crop.Y + y, crop.Width, 1, rowSpan);
                    plan.Horizontal(rowSpan, y);
                }
                else
                {
                    // Opaque pixels need no compositing: filter straight from the bytes and skip the float row.
                    var (pixel, stepX) = image.Locate(crop.X, crop.Y + y);
                    plan.Horizontal(image.Rgba, pixel, stepX, y);
                }
            }
            plan.Vertical(dst);
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(row);
            plan.Return();
        }
    }

    /// <summary>The taps of both axes and the buffer of horizontally filtered rows.</summary>
    private readonly struct Plan
    {
        private readonly Taps _xs, _ys;
        private readonly float[] _tmp;
        private readonly int _dstWidth, _dstHeight;

        private Plan(Taps xs, Taps ys, float[] tmp, bool[] rowNeeded, int dstWidth, int dstHeight)
        {
            _xs = xs; _ys = ys; _tmp = tmp; RowNeeded = rowNeeded; _dstWidth = dstWidth; _dstHeight = dstHeight;
        }

        /// <summary>Source rows some vertical tap reads; the others (many, when shrinking with few taps) are skipped.</summary>
        public bool[] RowNeeded { get; }

        public static Plan Create(int srcWidth, int srcHeight, Span<float> dst, int dstWidth, int dstHeight, Interpolation interpolation)
        {
            if (dst.Length < dstWidth * dstHeight * Channels) throw new ArgumentException("Destination is smaller than its dimensions.", nameof(dst));
            var xs = Taps.For(interpolation, srcWidth, dstWidth);
            var ys = Taps.For(interpolation, srcHeight, dstHeight);
            var needed = new bool[srcHeight];
            for (int o = 0; o < dstHeight; o++)
                for (int k = 0; k < ys.Count[o]; k++) needed[ys.Start[o] + k] = true;
            return new Plan(xs, ys, System.Buffers.ArrayPool<float>.Shared.Rent(srcHeight * dstWidth * Channels), needed, dstWidth, dstHeight);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Horizontal(ReadOnlySpan<float> srcRow, int y)
        {
            var tmpRow = _tmp.AsSpan(y * _dstWidth * Channels, _dstWidth * Channels);
            for (int x = 0; x < _dstWidth; x++)
            {
                int start = _xs.Start[x], count = _xs.Count[x];
                var w = _xs.Weights.AsSpan(x * _xs.Stride, count);
                float r = 0, g = 0, b = 0;
                for (int k = 0; k < count; k++)
                {
                    int s = (start + k) * Channels;
                    float wk = w[k];
                    r += wk * srcRow[s];
                    g += wk * srcRow[s + 1];
                    b += wk * srcRow[s + 2];
                }
                tmpRow[x * Channels] = r;
                tmpRow[x * Channels + 1] = g;
                tmpRow[x * Channels + 2] = b;
            }
        }

        /// <summary>
        /// The same filter as the float overload, reading RGBA bytes of one upright row that starts at
        /// stored pixel <paramref name="pixel"/> and steps by <paramref name="stepX"/> pixels; the sums
        /// run in the same order, so the results are bit-identical.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Horizontal(byte[] rgba, int pixel, int stepX, int y)
        {
            // The taps were built for the crop, so every index read is inside the image; the array
            // bound is still checked once here because the reads below are unchecked.
            int lastRead = pixel + (_xs.Start[_dstWidth - 1] + _xs.Count[_dstWidth - 1] - 1) * stepX;
            if ((uint)Math.Max(pixel, lastRead) * 4 + 3 >= (uint)rgba.Length || Math.Min(pixel, lastRead) < 0)
                throw new ArgumentOutOfRangeException(nameof(pixel));
            ref byte src = ref MemoryMarshal.GetArrayDataReference(rgba);
            ref float tmp = ref MemoryMarshal.GetArrayDataReference(_tmp);
            ref int starts = ref MemoryMarshal.GetArrayDataReference(_xs.Start);
            ref int counts = ref MemoryMarshal.GetArrayDataReference(_xs.Count);
            ref float weights = ref MemoryMarshal.GetArrayDataReference(_xs.Weights);
            int o = y * _dstWidth * Channels, stride = _xs.Stride, step = stepX * 4;
            for (int x = 0; x < _dstWidth; x++, o += Channels)
            {
                int s = (pixel + Unsafe.Add(ref starts, x) * stepX) * 4, count = Unsafe.Add(ref counts, x);
                ref float w = ref Unsafe.Add(ref weights, x * stride);
                // One RGBA pixel per vector: the lanes do the scalar filter's multiplies and adds in its
                // order (no fused multiply-add), and the alpha lane is dropped.
                var sum = Vector128<float>.Zero;
                for (int k = 0; k < count; k++, s += step)
                    sum += Vector128.Create(Unsafe.Add(ref w, k)) * Pixel(ref Unsafe.Add(ref src, s));
                if (x < _dstWidth - 1)
                {
                    // The fourth lane lands on the next pixel's red, which the next iteration overwrites.
                    sum.StoreUnsafe(ref tmp, (nuint)o);
                }
                else
                {
                    Unsafe.Add(ref tmp, o) = sum.GetElement(0);
                    Unsafe.Add(ref tmp, o + 1) = sum.GetElement(1);
                    Unsafe.Add(ref tmp, o + 2) = sum.GetElement(2);
                }
            }
        }

        private static Vector128<float> Pixel(ref byte rgba)
        {
            var bytes = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<uint>(ref rgba)).AsByte();
            return Vector128.ConvertToSingle(Vector128.WidenLower(Vector128.WidenLower(bytes)).AsInt32());
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Vertical(Span<float> dst)
        {
            int rowLen = _dstWidth * Channels;
            for (int y = 0; y < _dstHeight; y++)
            {
                var dstRow = dst.Slice(y * rowLen, rowLen);
                dstRow.Clear();
                int start = _ys.Start[y], count = _ys.Count[y];
                for (int k = 0; k < count; k++)
                    MultiplyAdd(_tmp.AsSpan((start + k) * rowLen, rowLen), _ys.Weights[y * _ys.Stride + k], dstRow);
            }
        }

        public void Return() => System.Buffers.ArrayPool<float>.Shared.Return(_tmp);
    }

    /// <summary>acc += w * row, with explicit SIMD since this contiguous loop is where the vertical pass spends its time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyAdd(ReadOnlySpan<float> row, float w, Span<float> acc)
    {
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var vw = new System.Numerics.Vector<float>(w);
            var rows = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(row);
            var accs = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(acc);
            for (int v = 0; v < rows.Length; v++) accs[v] += vw * rows[v];
            i = rows.Length * System.Numerics.Vector<float>.Count;
        }
        for (; i < row.Length; i++) acc[i] += w * row[i];
    }

    /// <summary>Per-output-index source taps along one axis: Start[o], Count[o] and Count[o] weights at o * Stride.</summary>
    internal sealed class Taps
    {
        public required int[] Start { get; init; }
        public required int[] Count { get; init; }
        public required float[] Weights { get; init; }
        public required int Stride { get; init; }

        public static Taps For(Interpolation interpolation, int inSize, int outSize)
        {
            double scale = (double)inSize / outSize;
            int stride = interpolation switch
            {
                Interpolation.Nearest => 1,
                Interpolation.Bilinear => 2,
                Interpolation.Bicubic => 4,
                Interpolation.Area => (int)Math.Ceiling(scale) + 1,
                _ => throw new ArgumentOutOfRangeException(nameof(interpolation)),
            };
            var taps = new Taps { Start = new int[outSize], Count = new int[outSize], Weights = new float[outSize * stride], Stride = stride };
            for (int o = 0; o < outSize; o++)
            {
                var w = taps.Weights.AsSpan(o * stride, stride);
                (taps.Start[o], taps.Count[o]) = interpolation switch
                {
                    Interpolation.Nearest => Nearest(o, scale, inSize, w),
                    Interpolation.Bilinear => Bilinear(o, scale, inSize, w),
                    Interpolation.Bicubic => Bicubic(o, scale, inSize, w),
                    _ => Area(o, scale, inSize, w),
                };
            }
            return taps;
        }

        private static (int, int) Nearest(int o, double scale, int n, Span<float> w)
        {
            w[0] = 1;
            return (Math.Min((int)Math.Floor((o + 0.5) * scale), n - 1), 1);
        }

        private static (int, int) Bilinear(int o, double scale, int n, Span<float> w)
        {
            // Clamping the coordinate to [0, n-1] is what TF's bounded lower/upper indices amount to.
            double x = Math.Clamp((o + 0.5) * scale - 0.5, 0, n - 1);
            int x0 = (int)Math.Floor(x);
            if (x0 >= n - 1) { w[0] = 1; return (n - 1, 1); }
            float f = (float)(x - x0);
            w[0] = 1 - f;
            w[1] = f;
            return (x0, 2);
        }

        private static (int, int) Bicubic(int o, double scale, int n, Span<float> w)
        {
            // Keys cubic, a = -0.5; taps outside the image get weight 0 and the rest are renormalised,
            // as TF's half-pixel ResizeBicubic does.
            double x = (o + 0.5) * scale - 0.5;
            int x0 = (int)Math.Floor(x);
            int first = Math.Max(x0 - 1, 0), last = Math.Min(x0 + 2, n - 1);
            double sum = 0;
            for (int i = first; i <= last; i++) sum += Keys(i - x);
            for (int i = first; i <= last; i++) w[i - first] = (float)(Keys(i - x) / sum);
            return (first, last - first + 1);
        }

        private static double Keys(double d)
        {
            const double a = -0.5;
            d = Math.Abs(d);
            if (d <= 1) return ((a + 2) * d - (a + 3)) * d * d + 1;
            if (d < 2) return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
            return 0;
        }

        private static (int, int) Area(int o, double scale, int n, Span<float> w)
        {
            // The output pixel covers [o*scale, (o+1)*scale) of the source; each source pixel weighs by its overlap.
            double lo = o * scale, hi = (o + 1) * scale;
            int first = (int)Math.Floor(lo), last = Math.Min((int)Math.Ceiling(hi) - 1, n - 1);
            for (int i = first; i <= last; i++)
                w[i - first] = (float)((Math.Min(hi, i + 1) - Math.Max(lo, i)) / scale);
            return (first, last - first + 1);
        }
    }
}
