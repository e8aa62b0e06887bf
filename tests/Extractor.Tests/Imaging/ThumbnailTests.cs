using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Tests;
using SkiaSharp;
using Xunit;
using Xunit.Abstractions;

namespace OnnxTransfer.Extractor.Tests.Imaging;

/// <summary>Report thumbnails against Pillow: EXIF orientation applied (ImageOps.exif_transpose), then a box downscale to fit 128 px.</summary>
public sealed class ThumbnailTests(ITestOutputHelper output)
{
    private const string Script = """
        import sys
        from PIL import Image, ImageOps
        out = sys.argv[1]
        for i, path in enumerate(sys.argv[2:]):
            im = ImageOps.exif_transpose(Image.open(path)).convert('RGB')
            w, h = im.size
            s = min(1.0, 128 / max(w, h))
            size = (max(1, round(w * s)), max(1, round(h * s)))
            small = im.resize(size, Image.BOX)
            with open(f'{out}/{i}.rgb', 'wb') as f:
                f.write(size[0].to_bytes(4, 'little') + size[1].to_bytes(4, 'little') + small.tobytes())
        """;

    [PythonFact("PIL", "python3-pil")]
    public void Thumbnails_are_upright_fit_128_pixels_and_match_a_Pillow_box_downscale()
    {
        using var dir = new TempDir();
        var files = new List<string>();
        var rng = new Random(17);
        // Landscape, portrait, smaller than the box (kept at its size), and JPEGs whose EXIF rotates or flips them.
        foreach (var (w, h, orientation) in new[] { (517, 301, 0), (200, 640, 0), (90, 61, 0), (600, 400, 6), (333, 500, 3), (640, 480, 5) })
        {
            var rgba = Smooth(w, h, rng);
            string path = dir.File($"{files.Count}.{(orientation == 0 ? "png" : "jpg")}");
            File.WriteAllBytes(path, orientation == 0
                ? TestImages.Encode(rgba, w, h, SKEncodedImageFormat.Png)
                : TestImages.WithExifOrientation(TestImages.Encode(rgba, w, h, SKEncodedImageFormat.Jpeg, 95), (ushort)orientation));
            files.Add(path);
        }
        PythonReference.Run("Pillow", Script, [dir.Path, .. files]);
        for (int i = 0; i < files.Count; i++)
        {
            var expected = File.ReadAllBytes(dir.File($"{i}.rgb"));
            int w = BitConverter.ToInt32(expected, 0), h = BitConverter.ToInt32(expected, 4);
            using var thumbnail = SKBitmap.Decode(Thumbnail.Jpeg(files[i]));
            Assert.Equal((w, h), (thumbnail.Width, thumbnail.Height));
            double sum = 0, worst = 0;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    var c = thumbnail.GetPixel(x, y);
                    int o = 8 + (y * w + x) * 3;
                    foreach (var (a, b) in new[] { (c.Red, expected[o]), (c.Green, expected[o + 1]), (c.Blue, expected[o + 2]) })
                    {
                        sum += Math.Abs(a - b);
                        worst = Math.Max(worst, Math.Abs(a - b));
                    }
                }
            double mean = sum / (w * h * 3);
            output.WriteLine($"{Path.GetFileName(files[i])}: {w}x{h}, mean |diff| {mean:F2}, max {worst}");
            // JPEG at quality 80 (chroma halved) and the reduced-size decode of large JPEGs cost about 2 levels (measured up to
            // 2.4, max 25); a wrong orientation, crop or scale costs tens.
            Assert.True(mean < 4, $"{files[i]}: mean difference {mean:F2} from Pillow");
            Assert.True(worst < 48, $"{files[i]}: largest difference {worst} from Pillow");
        }
    }

    [Fact]
    public void A_file_that_is_not_an_image_is_refused_in_one_line_naming_it()
    {
        using var dir = new TempDir();
        string path = dir.File("notes.jpg");
        File.WriteAllText(path, "not a photo");
        var e = Assert.Throws<OnnxTransferException>(() => Thumbnail.Jpeg(path));
        Assert.Equal($"Cannot make a thumbnail of '{path}': not a supported image (JPEG, PNG, BMP, GIF or WebP expected).", e.Message);
        Assert.Contains("maxSide", Assert.Throws<OnnxTransferException>(() => Thumbnail.Jpeg(path, 0)).Message);
    }

    /// <summary>Random low-frequency colour waves: photo-like content a JPEG encodes faithfully, unlike noise.</summary>
    private static byte[] Smooth(int w, int h, Random rng)
    {
        var waves = Enumerable.Range(0, 9).Select(_ => (Fx: rng.NextDouble() * 0.05, Fy: rng.NextDouble() * 0.05, Phase: rng.NextDouble() * 6.3)).ToArray();
        var rgba = new byte[w * h * 4];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 4; c++)
                {
                    double v = c == 3 ? 255 : 128 + Enumerable.Range(0, 3).Sum(k => 40 * Math.Sin(waves[c * 3 + k].Fx * x + waves[c * 3 + k].Fy * y + waves[c * 3 + k].Phase));
                    rgba[(y * w + x) * 4 + c] = (byte)Math.Clamp(Math.Round(v), 0, 255);
                }
        return rgba;
    }
}
