using SkiaSharp;

namespace OnnxTransfer.Cli.Demo;

/// <summary>
/// Generates a small labelled photo-like dataset (circles, squares, triangles on noisy
/// backgrounds) in the Keras class-per-folder layout with train/val splits, so the demo runs
/// on a fresh clone with no network and no data. Same seed -> same files.
/// </summary>
public static class SyntheticShapes
{
    public static readonly string[] Classes = ["circle", "square", "triangle"];

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
                    using var bitmap = Draw(c, size, rng);
                    using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
                    File.WriteAllBytes(Path.Combine(dir, $"{Classes[c]}_{i:D3}.jpg"), data.ToArray());
                }
            }
        }
    }

    private static SKBitmap Draw(int shape, int size, Random rng)
    {
        var bitmap = new SKBitmap(size, size, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var canvas = new SKCanvas(bitmap);
        using (var bg = new SKPaint())
        {
            bg.Shader = SKShader.CreateLinearGradient(
                new SKPoint(0, 0), new SKPoint(size, size), [RandomColor(rng, 60, 200), RandomColor(rng, 60, 200)], SKShaderTileMode.Clamp);
            canvas.DrawRect(0, 0, size, size, bg);
        }
        // Clutter so the task is not trivially separable by colour alone.
        using (var speck = new SKPaint { IsAntialias = true })
        {
            for (int i = 0; i < 40; i++)
            {
                speck.Color = RandomColor(rng, 0, 255).WithAlpha(90);
                canvas.DrawCircle((float)rng.NextDouble() * size, (float)rng.NextDouble() * size, 1 + (float)rng.NextDouble() * 3, speck);
            }
        }
        using var paint = new SKPaint { IsAntialias = true, Color = RandomColor(rng, 0, 255), Style = SKPaintStyle.Fill };
        float r = size * (0.18f + 0.17f * (float)rng.NextDouble());
        float cx = r + (float)rng.NextDouble() * (size - 2 * r), cy = r + (float)rng.NextDouble() * (size - 2 * r);
        canvas.Translate(cx, cy);
        canvas.RotateDegrees((float)rng.NextDouble() * 360);
        switch (shape)
        {
            case 0: canvas.DrawCircle(0, 0, r, paint); break;
            case 1: canvas.DrawRect(-r * 0.85f, -r * 0.85f, 1.7f * r, 1.7f * r, paint); break;
            default:
                using (var path = new SKPath())
                {
                    path.MoveTo(0, -r);
                    path.LineTo(r * 0.87f, r * 0.5f);
                    path.LineTo(-r * 0.87f, r * 0.5f);
                    path.Close();
                    canvas.DrawPath(path, paint);
                }
                break;
        }
        return bitmap;
    }

    private static SKColor RandomColor(Random rng, int lo, int hi) =>
        new((byte)rng.Next(lo, hi), (byte)rng.Next(lo, hi), (byte)rng.Next(lo, hi));
}
