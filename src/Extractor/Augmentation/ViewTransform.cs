using System.Text;

namespace OnnxTransfer.Extractor.Augmentation;

/// <summary>
/// One augmented view's transform: rotation <paramref name="Degrees"/>, shift (<paramref name="RowShift"/>,
/// <paramref name="ColumnShift"/>) pixels, zoom factors (<paramref name="RowZoom"/>, <paramref name="ColumnZoom"/>) and
/// a horizontal <paramref name="Flip"/>, in ImageDataGenerator's meaning of each (see <see cref="AugmentationOptions"/>).
/// </summary>
internal sealed record ViewTransform(double Degrees, double RowShift, double ColumnShift, double RowZoom, double ColumnZoom, bool Flip)
{
    /// <summary>
    /// The transform of view <paramref name="view"/> (1 or more) of the image at <paramref name="path"/>, for a
    /// <paramref name="size"/> x <paramref name="size"/> image: a function of the seed, the path and the view alone.
    /// </summary>
    public static ViewTransform Draw(AugmentationOptions options, string path, int view, int size)
    {
        ulong state = Mix(options.Seed ^ Fnv1a(path) ^ Mix((ulong)view * 0x9E3779B97F4A7C15UL));
        double Uniform(double low, double high) => low + (high - low) * ((Next(ref state) >> 11) * (1.0 / (1UL << 53)));
        double degrees = options.Rotate > 0 ? Uniform(-options.Rotate, options.Rotate) : 0;
        double rowShift = options.Shift > 0 ? Uniform(-options.Shift, options.Shift) * size : 0;
        double columnShift = options.Shift > 0 ? Uniform(-options.Shift, options.Shift) * size : 0;
        double rowZoom = options.Zoom > 0 ? Uniform(1 - options.Zoom, 1 + options.Zoom) : 1;
        double columnZoom = options.Zoom > 0 ? Uniform(1 - options.Zoom, 1 + options.Zoom) : 1;
        bool flip = options.Flip && Uniform(0, 1) < 0.5;
        return new ViewTransform(degrees, rowShift, columnShift, rowZoom, columnZoom, flip);
    }

    /// <summary>
    /// The 2x3 map from an output pixel (row, column) to the input position it samples, as ImageDataGenerator builds it:
    /// rotation x shift x zoom, conjugated by the move of the centre ((size-1)/2, (size-1)/2) to the origin.
    /// </summary>
    public (double A, double B, double C, double D, double E, double F) Matrix(int size)
    {
        double t = Degrees * Math.PI / 180, cos = Math.Cos(t), sin = Math.Sin(t);
        // rotation x shift x zoom: [[cos*zr, -sin*zc, cos*tr - sin*tc], [sin*zr, cos*zc, sin*tr + cos*tc]]
        double a = cos * RowZoom, b = -sin * ColumnZoom, c = cos * RowShift - sin * ColumnShift;
        double d = sin * RowZoom, e = cos * ColumnZoom, f = sin * RowShift + cos * ColumnShift;
        double o = size / 2.0 - 0.5;
        return (a, b, c + o - a * o - b * o, d, e, f + o - d * o - e * o);
    }

    /// <summary>
    /// Writes the view of <paramref name="source"/> (a size x size x 3 image, HWC) to <paramref name="target"/>: each
    /// output pixel is the input bilinearly sampled where <see cref="Matrix"/> maps it, outside the image as
    /// <paramref name="fill"/> says, then the columns reversed when <see cref="Flip"/>.
    /// </summary>
    public void Apply(ReadOnlySpan<float> source, Span<float> target, int size, FillMode fill)
    {
        var (a, b, c, d, e, f) = Matrix(size);
        for (int r = 0; r < size; r++)
            for (int col = 0; col < size; col++)
            {
                double y = a * r + b * col + c, x = d * r + e * col + f;
                int outColumn = Flip ? size - 1 - col : col;
                Sample(source, size, y, x, fill, target.Slice((r * size + outColumn) * 3, 3));
            }
    }

    private static void Sample(ReadOnlySpan<float> image, int size, double y, double x, FillMode fill, Span<float> pixel)
    {
        // scipy's "constant" mode interpolates only inside the image: a position beyond the edge is the fill value.
        if (fill == FillMode.Constant && (y < 0 || y > size - 1 || x < 0 || x > size - 1))
        {
            pixel.Clear();
            return;
        }
        int y0 = (int)Math.Floor(y), x0 = (int)Math.Floor(x);
        double wy = y - y0, wx = x - x0;
        int r0 = Index(y0, size, fill), r1 = Index(y0 + 1, size, fill), c0 = Index(x0, size, fill), c1 = Index(x0 + 1, size, fill);
        for (int ch = 0; ch < 3; ch++)
        {
            double top = (1 - wx) * image[(r0 * size + c0) * 3 + ch] + wx * image[(r0 * size + c1) * 3 + ch];
            double bottom = (1 - wx) * image[(r1 * size + c0) * 3 + ch] + wx * image[(r1 * size + c1) * 3 + ch];
            pixel[ch] = (float)((1 - wy) * top + wy * bottom);
        }
    }

    /// <summary>The pixel index a tap at <paramref name="i"/> reads: clamped (nearest, and the inside taps of constant), or mirrored (reflect).</summary>
    private static int Index(int i, int size, FillMode fill)
    {
        if (fill != FillMode.Reflect) return Math.Clamp(i, 0, size - 1);
        int period = 2 * size;
        int m = ((i % period) + period) % period;
        return m < size ? m : period - 1 - m;
    }

    private static ulong Fnv1a(string text)
    {
        ulong hash = 0xCBF29CE484222325UL;
        foreach (byte b in Encoding.UTF8.GetBytes(text)) hash = (hash ^ b) * 0x100000001B3UL;
        return hash;
    }

    /// <summary>SplitMix64's finalizer: one 64-bit value to a well-mixed other.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong Next(ref ulong state) => Mix(state += 0x9E3779B97F4A7C15UL);
}
