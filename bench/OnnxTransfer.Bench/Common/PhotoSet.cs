using OnnxTransfer.Extractor.Extraction;
using SkiaSharp;

namespace OnnxTransfer.Bench.Common;

/// <summary>
/// The photos every benchmark reads: the real hymenoptera_data photos from ../shared when present,
/// otherwise JPEGs generated once into a temporary folder (and labelled so in every report).
/// </summary>
public sealed class PhotoSet
{
    private PhotoSet(IReadOnlyList<string> paths, string source, bool real)
    {
        Paths = paths;
        Source = source;
        IsReal = real;
    }

    /// <summary>Absolute paths of the photos, in a stable order.</summary>
    public IReadOnlyList<string> Paths { get; }

    /// <summary>Where the photos come from, for reports.</summary>
    public string Source { get; }

    public bool IsReal { get; }

    private static readonly Lazy<PhotoSet> Default = new(Load);

    /// <summary>The photos (loaded or generated once per process).</summary>
    public static PhotoSet Get() => Default.Value;

    private static PhotoSet Load()
    {
        if (SharedFiles.Dataset("hymenoptera_data") is { } dir)
        {
            var items = InputScanner.Scan(dir).Items.Select(i => i.FullPath).ToList();
            return new PhotoSet(items, $"{items.Count} real photos from ../shared/datasets/hymenoptera_data (JPEG, mixed sizes)", real: true);
        }
        string generated = Path.Combine(Path.GetTempPath(), "onnx-transfer-bench-photos");
        var paths = Generate(generated, 96);
        return new PhotoSet(paths, $"{paths.Count} generated 500x375 JPEGs (../shared not found)", real: false);
    }

    /// <summary>
    /// Makes a class-per-folder copy of <paramref name="count"/> photos under <paramref name="root"/>
    /// (copies: the extractor keeps a file reached twice through links once, by its inode, as it should on a real
    /// tree, so a repeat must be a file of its own; 768 repeats of hymenoptera's photos are about 80 MB), cycling through the whole set, or through
    /// <paramref name="distinct"/> photos spread evenly over it so that 1x, 4x and 16x inputs have the
    /// same mix of photo sizes. Returns <paramref name="root"/>.
    /// </summary>
    public string Materialize(string root, int count, int? distinct = null)
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        // Fewer photos than the set: spread them over it (the sorted set starts with a whole class).
        int cycle = Math.Min(distinct ?? count, Paths.Count);
        for (int i = 0; i < count; i++)
        {
            string source = Paths[(int)((long)(i % cycle) * Paths.Count / cycle)];
            // Keep the photo's class (its folder's name: ants, bees) so the features are labelled like the dataset.
            string classDir = Path.Combine(root, Path.GetFileName(Path.GetDirectoryName(source))!);
            Directory.CreateDirectory(classDir);
            File.Copy(source, Path.Combine(classDir, $"{i:D6}{Path.GetExtension(source)}"));
        }
        return root;
    }

    // Smooth gradients plus shapes: JPEG-compresses like a photo (not like flat colour or pure noise).
    private static List<string> Generate(string dir, int count)
    {
        var paths = new List<string>();
        var rng = new Random(7);
        for (int i = 0; i < count; i++)
        {
            string classDir = Path.Combine(dir, i % 2 == 0 ? "a" : "b");
            Directory.CreateDirectory(classDir);
            string path = Path.Combine(classDir, $"photo{i:D3}.jpg");
            paths.Add(path);
            if (File.Exists(path)) continue;
            using var surface = SKSurface.Create(new SKImageInfo(500, 375));
            var canvas = surface.Canvas;
            using (var shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(500, 375),
                       [RandomColor(rng), RandomColor(rng)], SKShaderTileMode.Clamp))
            using (var paint = new SKPaint { Shader = shader })
                canvas.DrawRect(0, 0, 500, 375, paint);
            using (var paint = new SKPaint { IsAntialias = true })
            {
                for (int s = 0; s < 12; s++)
                {
                    paint.Color = RandomColor(rng);
                    canvas.DrawCircle(rng.Next(500), rng.Next(375), rng.Next(10, 80), paint);
                }
            }
            using var image = surface.Snapshot();
            using var data = image.Encode(SKEncodedImageFormat.Jpeg, 90);
            File.WriteAllBytes(path, data.ToArray());
        }
        return paths;
    }

    private static SKColor RandomColor(Random rng) => new((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));
}
