using System.Runtime.CompilerServices;

namespace OnnxTransfer.Extractor.Imaging;

/// <summary>
/// Pillow's Image.resize(size, resample) of an RGB image, byte for byte (checked against Debian 12's Pillow 9.4;
/// the algorithm in src/libImaging/Resample.c and Geometry.c is unchanged up to Pillow 11): NEAREST samples by the
/// affine scale of Geometry.c; the other filters are Resample.c's two passes, horizontal then vertical, each with
/// the filter's support widened by the reduction factor, coefficients in 22-bit fixed point, and every result
/// rounded and clipped to a byte, between the passes too. An axis whose size does not change is not filtered,
/// as Pillow skips it (Lanczos is not exactly the identity at a scale of 1).
/// </summary>
internal static class PilResampler
{
    // Pillow's PRECISION_BITS: 8 bits for the pixel, 2 for the overflow of filters with negative lobes.
    private const int PrecisionBits = 32 - 8 - 2;
    private const int Half = 1 << (PrecisionBits - 1);

    /// <summary>True for the interpolations this class implements.</summary>
    public static bool Handles(Interpolation interpolation) => interpolation >= Interpolation.PilNearest;

    /// <summary>
    /// Resizes the <paramref name="crop"/> window of <paramref name="rgba"/> (<paramref name="width"/> RGBA pixels a row; alpha
    /// ignored, as PIL's convert('RGB') drops it) into <paramref name="rgb"/>, dstWidth x dstHeight interleaved RGB bytes.
    /// The window is the image Pillow resizes (what PIL's crop() then resize() does).
    /// </summary>
    public static void Resize(byte[] rgba, int width, (int X, int Y, int Width, int Height) crop,
                              Span<byte> rgb, int dstWidth, int dstHeight, Interpolation interpolation)
    {
        if (rgb.Length < dstWidth * dstHeight * 3) throw new ArgumentException("Destination is smaller than its dimensions.", nameof(rgb));
        if (interpolation == Interpolation.PilNearest)
            Nearest(rgba, width, crop, rgb, dstWidth, dstHeight);
        else
            Convolve(rgba, width, crop, rgb, dstWidth, dstHeight, PilFilter.For(interpolation));
    }

    private static void Nearest(byte[] rgba, int width, (int X, int Y, int Width, int Height) crop, Span<byte> rgb, int dstWidth, int dstHeight)
    {
        // Geometry.c's ImagingScaleAffine: the source coordinate starts at half a step and is advanced by adding the
        // step (double), then truncated; the running sum is kept so the rounding is Pillow's. A sample past the
        // image stays black, as Pillow's fill leaves it (the sum never gets there for these scales).
        var xs = NearestIndices(crop.Width, dstWidth);
        var ys = NearestIndices(crop.Height, dstHeight);
        rgb[..(dstWidth * dstHeight * 3)].Clear();
        for (int y = 0; y < dstHeight; y++)
        {
            if (ys[y] < 0) continue;
            int row = ((crop.Y + ys[y]) * width + crop.X) * 4, o = y * dstWidth * 3;
            for (int x = 0; x < dstWidth; x++, o += 3)
            {
                if (xs[x] < 0) continue;
                int s = row + xs[x] * 4;
                rgb[o] = rgba[s];
                rgb[o + 1] = rgba[s + 1];
                rgb[o + 2] = rgba[s + 2];
            }
        }
    }

    private static int[] NearestIndices(int inSize, int outSize)
    {
        // The box is float in Pillow (in1 - in0 is a float difference), the step double.
        double step = (double)(float)inSize / outSize, at = step * 0.5;
        var indices = new int[outSize];
        for (int o = 0; o < outSize; o++, at += step)
        {
            int i = at < 0 ? -1 : (int)at;
            indices[o] = i < inSize ? i : -1;
        }
        return indices;
    }

    private static void Convolve(byte[] rgba, int width, (int X, int Y, int Width, int Height) crop, Span<byte> rgb, int dstWidth, int dstHeight, PilFilter filter)
    {
        var xs = PilTaps.For(filter, crop.Width, dstWidth);
        var ys = PilTaps.For(filter, crop.Height, dstHeight);
        // Only the rows some vertical tap reads are filtered horizontally (Pillow's ybox_first..ybox_last).
        int first = ys.Start[0], last = ys.Start[dstHeight - 1] + ys.Count[dstHeight - 1];
        int rowLen = dstWidth * 3;
        byte[] tmp = System.Buffers.ArrayPool<byte>.Shared.Rent((last - first) * rowLen);
        try
        {
            bool horizontal = dstWidth != crop.Width, vertical = dstHeight != crop.Height;
            for (int y = first; y < last; y++)
            {
                int src = ((crop.Y + y) * width + crop.X) * 4;
                var row = tmp.AsSpan((y - first) * rowLen, rowLen);
                if (horizontal) Horizontal(rgba, src, xs, row);
                else CopyRgb(rgba, src, row);
            }
            if (vertical) Vertical(tmp, first, ys, rgb, rowLen);
            else tmp.AsSpan(0, dstHeight * rowLen).CopyTo(rgb);
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(tmp); }
    }

    private static void CopyRgb(byte[] rgba, int src, Span<byte> row)
    {
        for (int o = 0; o < row.Length; o += 3, src += 4)
        {
            row[o] = rgba[src];
            row[o + 1] = rgba[src + 1];
            row[o + 2] = rgba[src + 2];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Horizontal(byte[] rgba, int src, PilTaps xs, Span<byte> row)
    {
        var weights = xs.Weights;
        for (int x = 0, o = 0; o < row.Length; x++, o += 3)
        {
            int s = src + xs.Start[x] * 4, w = x * xs.Stride, count = xs.Count[x];
            int r = Half, g = Half, b = Half;
            for (int k = 0; k < count; k++, s += 4)
            {
                int c = weights[w + k];
                r += rgba[s] * c;
                g += rgba[s + 1] * c;
                b += rgba[s + 2] * c;
            }
            row[o] = Clip(r);
            row[o + 1] = Clip(g);
            row[o + 2] = Clip(b);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Vertical(byte[] tmp, int first, PilTaps ys, Span<byte> rgb, int rowLen)
    {
        var weights = ys.Weights;
        for (int y = 0; y < ys.Start.Length; y++)
        {
            int start = (ys.Start[y] - first) * rowLen, w = y * ys.Stride, count = ys.Count[y];
            var outRow = rgb.Slice(y * rowLen, rowLen);
            for (int i = 0; i < rowLen; i++)
            {
                int sum = Half;
                for (int k = 0, s = start + i; k < count; k++, s += rowLen) sum += tmp[s] * weights[w + k];
                outRow[i] = Clip(sum);
            }
        }
    }

    /// <summary>Pillow's clip8: the fixed-point sum's integer part, clamped to a byte (the shift floors, as C's on int does).</summary>
    private static byte Clip(int sum) => (byte)Math.Clamp(sum >> PrecisionBits, 0, 255);

    /// <summary>One axis's taps: for output o, Count[o] source indices from Start[o] with fixed-point weights at o * Stride.</summary>
    internal sealed class PilTaps
    {
        public required int[] Start { get; init; }
        public required int[] Count { get; init; }
        public required int[] Weights { get; init; }
        public required int Stride { get; init; }

        /// <summary>Resample.c's precompute_coeffs and normalize_coeffs_8bpc, for a box of the whole axis.</summary>
        public static PilTaps For(PilFilter filter, int inSize, int outSize)
        {
            double scale = (double)(float)inSize / outSize;
            double filterScale = Math.Max(scale, 1.0);
            double support = filter.Support * filterScale;
            int stride = (int)Math.Ceiling(support) * 2 + 1;
            var taps = new PilTaps { Start = new int[outSize], Count = new int[outSize], Weights = new int[outSize * stride], Stride = stride };
            double inverse = 1.0 / filterScale;
            var k = new double[stride];
            for (int o = 0; o < outSize; o++)
            {
                double center = (o + 0.5) * scale;
                // C's (int) truncates toward zero, which is how Pillow rounds these bounds.
                int min = Math.Max((int)(center - support + 0.5), 0);
                int count = Math.Min((int)(center + support + 0.5), inSize) - min;
                double sum = 0;
                for (int i = 0; i < count; i++)
                {
                    k[i] = filter.Weight((i + min - center + 0.5) * inverse);
                    sum += k[i];
                }
                for (int i = 0; i < count; i++)
                {
                    double normalized = sum != 0 ? k[i] / sum : k[i];
                    taps.Weights[o * stride + i] = normalized < 0
                        ? (int)(-0.5 + normalized * (1 << PrecisionBits))
                        : (int)(0.5 + normalized * (1 << PrecisionBits));
                }
                taps.Start[o] = min;
                taps.Count[o] = count;
            }
            return taps;
        }
    }
}
