using SkiaSharp;

namespace OnnxTransfer.Cli.Demo;

/// <summary>
/// Generates a small labelled photo-like dataset in the Keras class-per-folder layout with
/// train/val splits, so the demo runs on a fresh clone with no network and no data. Each class is a
/// colour palette (autumn reds and yellows, forest greens, ocean blues) painted as random textures
/// (stripes, dots, checks) at random scales and angles, over noise. Colour survives global pooling
/// even in a backbone with random weights, so the demo shows learning when no real weights can be
/// had; shapes or layouts would not (measured: chance accuracy). Same seed, same files.
/// </summary>
public static class SyntheticTextures
{
    public static readonly string[] Classes = ["autumn", "forest", "ocean"];

    // Hue ranges in degrees, one per class.
    private static readonly (float From, float To)[] Hues = [(0, 50), (85, 150), (190, 245)];

    public static void Generate(string root, int trainPerClass, int valPerClass, int seed, int size = 160)
    {
        var rng = new Random(seed);
        foreach (var (split, count) in new[] { ("train", trainPerClass), ("val", valPerClass) })
        {
            for (int c = 0; c < Classes.Length; c++)
            {
                string dir = Path.Combine(root, split, Classes[c]);
                Directory.CreateDirectory(dir);
                for (int i = 0; i < count; i++)
                {
                    using var bitmap = Draw(c, rng.Next(3), size, rng);
                    using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
                    File.WriteAllBytes(Path.Combine(dir, $"{Classes[c]}_{i:D3}.jpg"), data.ToArray());
                }
            }
        }
    }

    private static SKBitmap Draw(int palette, int texture, int size, Random rng)
    {
        var bitmap = new SKBitmap(size, size, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(PaletteColor(palette, rng));
        using var paint = new SKPaint { IsAntialias = true, Color = PaletteColor(palette, rng), Style = SKPaintStyle.Fill };
        float period = size * (0.08f + 0.1f * (float)rng.NextDouble());
        canvas.Save();
        canvas.RotateDegrees((float)rng.NextDouble() * 180, size / 2f, size / 2f);
        // Draw over a square twice the image so rotation never uncovers a corner.
        for (float y = -size; y < 2 * size; y += period)
        {
            switch (texture)
            {
                case 0:
                    for (float x = -size; x < 2 * size; x += 2 * period)
                        canvas.DrawRect(x + (((int)Math.Round((y + size) / period) & 1) == 0 ? 0 : period), y, period, period, paint);
                    break;
                case 1:
                    for (float x = -size; x < 2 * size; x += period)
                        canvas.DrawCircle(x, y, period * 0.3f, paint);
                    break;
                default:
                    canvas.DrawRect(-size, y, 3 * size, period * 0.45f, paint);
                    break;
            }
        }
        canvas.Restore();
        // Sensor-like noise so no two images share pixels.
        using var speck = new SKPaint { IsAntialias = true };
        for (int i = 0; i < 150; i++)
        {
            speck.Color = RandomColor(rng).WithAlpha(70);
            canvas.DrawCircle((float)rng.NextDouble() * size, (float)rng.NextDouble() * size, 0.5f + (float)rng.NextDouble() * 1.5f, speck);
        }
        return bitmap;
    }

    private static SKColor PaletteColor(int palette, Random rng)
    {
        var (from, to) = Hues[palette];
        return SKColor.FromHsl(from + (to - from) * (float)rng.NextDouble(), 40 + 60 * (float)rng.NextDouble(), 25 + 50 * (float)rng.NextDouble());
    }

    private static SKColor RandomColor(Random rng) => new((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));
}
