namespace OnnxTransfer.Extractor.Models.Keras;

/// <summary>
/// A small, fixed batch of synthetic RGB 0-255 images drawn from a seed, for calibrating random
/// BatchNormalization statistics: smooth colour fields (bilinear over a coarse random grid) with solid
/// rectangles (sharp edges), stripes in some images (texture) and pixel noise, so every channel sees
/// both low- and high-frequency content. Pixels are whole numbers, so small float differences cannot move them.
/// Public so that callers can see (and tests can check) what the statistics were measured on.
/// </summary>
internal static class CalibrationProbe
{
    /// <summary>Images in the probe batch: enough values per channel for stable statistics in the last,
    /// smallest layers (3x3 at 96 pixels for the 32x-downsampling architectures), few enough to take about a second.</summary>
    public const int Count = 8;

    /// <summary>Side of the square probe images, in pixels.</summary>
    public const int Size = 96;

    /// <summary>The probe batch for <paramref name="seed"/>: NHWC float32 [<see cref="Count"/>, <see cref="Size"/>,
    /// <see cref="Size"/>, 3], RGB 0-255, the layout of <see cref="OnnxTransfer.Models.ModelInfo.ImageInput"/>.</summary>
    public static float[] Images(int seed)
    {
        const int size = Size;
        var pixels = new float[Count * size * size * 3];
        for (int i = 0; i < Count; i++)
        {
            var rng = new SplitMix64(RandomKerasWeights.StreamSeed(seed, $"probe/{i}"));
            Draw(ref rng, pixels.AsSpan(i * size * size * 3, size * size * 3), size);
        }
        return pixels;
    }

    private static void Draw(ref SplitMix64 rng, Span<float> img, int size)
    {
        // Smooth field: bilinear interpolation of a (g+1)^2 grid of random colours.
        int g = 2 + rng.NextInt(4);
        var grid = new double[(g + 1) * (g + 1) * 3];
        for (int k = 0; k < grid.Length; k++) grid[k] = rng.NextDouble() * 255;
        for (int y = 0; y < size; y++)
        {
            double gy = (double)y * g / (size - 1);
            int y0 = Math.Min((int)gy, g - 1);
            double fy = gy - y0;
            for (int x = 0; x < size; x++)
            {
                double gx = (double)x * g / (size - 1);
                int x0 = Math.Min((int)gx, g - 1);
                double fx = gx - x0;
                for (int c = 0; c < 3; c++)
                {
                    double G(int yy, int xx) => grid[((y0 + yy) * (g + 1) + x0 + xx) * 3 + c];
                    img[(y * size + x) * 3 + c] = (float)((1 - fy) * ((1 - fx) * G(0, 0) + fx * G(0, 1))
                                                          + fy * ((1 - fx) * G(1, 0) + fx * G(1, 1)));
                }
            }
        }

        // Solid rectangles: sharp colour edges.
        int rectangles = 1 + rng.NextInt(3);
        for (int r = 0; r < rectangles; r++)
        {
            int h = size / 8 + rng.NextInt(size / 2), w = size / 8 + rng.NextInt(size / 2);
            int top = rng.NextInt(size - h), left = rng.NextInt(size - w);
            var colour = new[] { rng.NextDouble() * 255, rng.NextDouble() * 255, rng.NextDouble() * 255 };
            for (int y = top; y < top + h; y++)
                for (int x = left; x < left + w; x++)
                    for (int c = 0; c < 3; c++) img[(y * size + x) * 3 + c] = (float)colour[c];
        }

        // Stripes in about half of the images: a periodic texture, horizontal or vertical.
        bool stripes = rng.NextDouble() < 0.5;
        int period = 4 + rng.NextInt(13);
        bool vertical = rng.NextDouble() < 0.5;
        double contrast = 20 + rng.NextDouble() * 60;

        // Per-pixel noise of a per-image amplitude.
        double noise = 4 + rng.NextDouble() * 28;
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                int phase = (vertical ? x : y) % period;
                double stripe = stripes ? (phase < period / 2 ? contrast : -contrast) : 0;
                for (int c = 0; c < 3; c++)
                {
                    int k = (y * size + x) * 3 + c;
                    double v = img[k] + stripe + (rng.NextDouble() * 2 - 1) * noise;
                    img[k] = (float)Math.Round(Math.Clamp(v, 0, 255));
                }
            }
    }
}
