using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Tests;
using SkiaSharp;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Imaging;

public class ImageLoaderTests
{
    private static float[] Load(byte[] encoded, int size, ResizeMode resize = ResizeMode.Stretch,
                                Interpolation interpolation = Interpolation.Nearest, bool scaledDecode = true)
    {
        var options = new ImageOptions { Size = size, Resize = resize, Interpolation = interpolation, ScaledDecode = scaledDecode };
        var dst = new float[options.TensorLength];
        ImageLoader.LoadInto(encoded, options, dst);
        return dst;
    }

    /// <summary>Asserts out equals the RGB of rgba (same size, no resize), within tol.</summary>
    private static void AssertPixels(byte[] rgba, float[] actual, float tol = 0)
    {
        for (int p = 0; p < actual.Length / 3; p++)
            for (int c = 0; c < 3; c++)
                Assert.True(Math.Abs(rgba[p * 4 + c] - actual[p * 3 + c]) <= tol, $"pixel {p} channel {c}: {rgba[p * 4 + c]} vs {actual[p * 3 + c]}");
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Webp)]
    public void Lossless_formats_round_trip_exactly(SKEncodedImageFormat format)
    {
        var rgba = TestImages.RandomRgba(8, 8, seed: (int)format);
        AssertPixels(rgba, Load(TestImages.Encode(rgba, 8, 8, format), 8));
    }

    [Fact]
    public void Bmp_round_trips_exactly()
    {
        var rgba = TestImages.RandomRgba(5, 5, seed: 3); // odd width exercises the row padding
        AssertPixels(rgba, Load(TestImages.Bmp(rgba, 5, 5), 5));
    }

    [Fact]
    public void Jpeg_decodes_close_to_source()
    {
        // A gradient survives JPEG at quality 100 within a few levels (chroma subsampling costs most);
        // a channel swap or misplaced row would be off by far more.
        var rgba = new byte[16 * 16 * 4];
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 16; x++)
            {
                int i = (y * 16 + x) * 4;
                rgba[i] = (byte)(x * 16); rgba[i + 1] = (byte)(y * 16); rgba[i + 2] = 128; rgba[i + 3] = 255;
            }
        AssertPixels(rgba, Load(TestImages.Encode(rgba, 16, 16, SKEncodedImageFormat.Jpeg, 100), 16), tol: 16);
    }

    [Fact]
    public void Gif_gives_its_first_frame()
    {
        var px = Load(TestImages.TwoFrameGif(), 1);
        Assert.Equal([255f, 0f, 0f], px);
    }

    [Fact]
    public void Gray_png_becomes_equal_rgb_channels()
    {
        var rgba = TestImages.RandomRgba(6, 6, seed: 5);
        var px = Load(TestImages.Encode(rgba, 6, 6, SKEncodedImageFormat.Png, colorType: SKColorType.Gray8, alphaType: SKAlphaType.Opaque), 6);
        for (int p = 0; p < 36; p++)
            for (int c = 0; c < 3; c++) Assert.Equal(rgba[p * 4], px[p * 3 + c]);
    }

    [Fact]
    public void Alpha_png_is_composited_on_white()
    {
        var rgba = TestImages.RandomRgba(6, 6, seed: 6);
        var rng = new Random(7);
        for (int i = 3; i < rgba.Length; i += 4) rgba[i] = (byte)rng.Next(256);
        rgba[3] = 0; rgba[7] = 255; // one fully transparent and one opaque pixel for sure
        var px = Load(TestImages.Encode(rgba, 6, 6, SKEncodedImageFormat.Png), 6);
        for (int p = 0; p < 36; p++)
        {
            float a = rgba[p * 4 + 3] / 255f;
            for (int c = 0; c < 3; c++)
                Assert.Equal(rgba[p * 4 + c] * a + 255 * (1 - a), px[p * 3 + c], 3);
        }
        Assert.Equal([255f, 255f, 255f], px[..3]);
    }

    /// <summary>16x8 JPEG: left half red, right half blue, with an EXIF orientation tag.</summary>
    private static byte[] HalvesJpeg(ushort orientation)
    {
        var rgba = new byte[16 * 8 * 4];
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 16; x++)
            {
                int i = (y * 16 + x) * 4;
                rgba[i] = (byte)(x < 8 ? 255 : 0); rgba[i + 2] = (byte)(x < 8 ? 0 : 255); rgba[i + 3] = 255;
            }
        return TestImages.WithExifOrientation(TestImages.Encode(rgba, 16, 8, SKEncodedImageFormat.Jpeg, 100), orientation);
    }

    private static bool IsRed(float[] px, int size, int x, int y) => px[(y * size + x) * 3] > 200 && px[(y * size + x) * 3 + 2] < 60;
    private static bool IsBlue(float[] px, int size, int x, int y) => px[(y * size + x) * 3] < 60 && px[(y * size + x) * 3 + 2] > 200;

    /// <summary>Stored (column, row) of upright (x, y) for each EXIF orientation, as the EXIF spec defines them.</summary>
    private static (int X, int Y) Stored(ushort orientation, int x, int y, int w, int h) => orientation switch
    {
        2 => (w - 1 - x, y),
        3 => (w - 1 - x, h - 1 - y),
        4 => (x, h - 1 - y),
        5 => (y, x),
        6 => (y, h - 1 - x),
        7 => (w - 1 - y, h - 1 - x),
        8 => (w - 1 - y, x),
        _ => (x, y),
    };

    public static TheoryData<ushort, ResizeMode, Interpolation, int> OpaqueCases()
    {
        var data = new TheoryData<ushort, ResizeMode, Interpolation, int>();
        foreach (ushort orientation in new ushort[] { 1, 2, 3, 4, 5, 6, 7, 8 })
            // The float resampler's filters; the Pillow ones neither orient nor use it (PilResamplerTests, PillowParityTests).
            foreach (var interpolation in Enum.GetValues<Interpolation>().Where(i => !PilResampler.Handles(i)))
                data.Add(orientation, orientation % 2 == 0 ? ResizeMode.CenterCrop : ResizeMode.Stretch, interpolation, orientation < 5 ? 9 : 30);
        return data;
    }

    [Theory]
    [MemberData(nameof(OpaqueCases))]
    public void Opaque_jpeg_resizes_exactly_like_the_float_resampler_on_its_upright_pixels(
        ushort orientation, ResizeMode resize, Interpolation interpolation, int size)
    {
        // The loader filters opaque images straight from the decoded bytes; the reference rotates the
        // decoded pixels by hand, converts them to floats and uses the public float resampler.
        const int w = 21, h = 13;
        var jpeg = TestImages.Encode(TestImages.RandomRgba(w, h, seed: orientation), w, h, SKEncodedImageFormat.Jpeg, 90);
        byte[] stored;
        using (var codec = SKCodec.Create(SKData.CreateCopy(jpeg)))
        using (var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul)))
        {
            Assert.Equal(SKCodecResult.Success, codec.GetPixels(bitmap.Info, bitmap.GetPixels()));
            stored = bitmap.Bytes;
        }
        bool swaps = orientation >= 5;
        int uw = swaps ? h : w, uh = swaps ? w : h;
        var crop = resize == ResizeMode.CenterCrop ? Resampler.CenterCrop(uw, uh, size, size) : (X: 0, Y: 0, Width: uw, Height: uh);
        var upright = new float[crop.Width * crop.Height * 3];
        for (int y = 0; y < crop.Height; y++)
            for (int x = 0; x < crop.Width; x++)
            {
                var (sx, sy) = Stored(orientation, crop.X + x, crop.Y + y, w, h);
                for (int c = 0; c < 3; c++) upright[(y * crop.Width + x) * 3 + c] = stored[(sy * w + sx) * 4 + c];
            }
        var expected = new float[size * size * 3];
        Resampler.Resize(upright, crop.Width, crop.Height, expected, size, size, interpolation);

        Assert.Equal(expected, Load(TestImages.WithExifOrientation(jpeg, orientation), size, resize, interpolation));
    }

    [Fact]
    public void Exif_orientation_is_applied()
    {
        using (var codec = SKCodec.Create(SKData.CreateCopy(HalvesJpeg(6))))
            Assert.Equal(SKEncodedOrigin.RightTop, codec.EncodedOrigin);

        // 1 (upright): red left, blue right.
        var up = Load(HalvesJpeg(1), 8);
        Assert.True(IsRed(up, 8, 1, 4) && IsBlue(up, 8, 6, 4));
        // 6 (rotate 90 clockwise to display): the left half becomes the top.
        var cw = Load(HalvesJpeg(6), 8);
        Assert.True(IsRed(cw, 8, 4, 1) && IsBlue(cw, 8, 4, 6));
        // 8 (rotate 90 counter-clockwise): the left half becomes the bottom.
        var ccw = Load(HalvesJpeg(8), 8);
        Assert.True(IsBlue(ccw, 8, 4, 1) && IsRed(ccw, 8, 4, 6));
        // 3 (rotate 180): red on the right.
        var flip = Load(HalvesJpeg(3), 8);
        Assert.True(IsBlue(flip, 8, 1, 4) && IsRed(flip, 8, 6, 4));
    }

    [Fact]
    public void Center_crop_of_6x4_keeps_the_middle_4x4()
    {
        var rgba = TestImages.RandomRgba(6, 4, seed: 9);
        var px = Load(TestImages.Encode(rgba, 6, 4, SKEncodedImageFormat.Png), 4, ResizeMode.CenterCrop);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
                for (int c = 0; c < 3; c++)
                    Assert.Equal(rgba[(y * 6 + x + 1) * 4 + c], px[(y * 4 + x) * 3 + c]);
    }

    [Fact]
    public void Scaled_jpeg_decode_stays_close_to_full_decode()
    {
        // A smooth 1024x1024 image shrunk to 64: DCT-scaled decode (1/8) and full decode then area
        // resize should agree to within JPEG noise.
        int n = 1024;
        var rgba = new byte[n * n * 4];
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++)
            {
                int i = (y * n + x) * 4;
                rgba[i] = (byte)(x / 4); rgba[i + 1] = (byte)(y / 4); rgba[i + 2] = (byte)((x + y) / 8); rgba[i + 3] = 255;
            }
        var jpeg = TestImages.Encode(rgba, n, n, SKEncodedImageFormat.Jpeg, 95);
        var scaled = Load(jpeg, 64, interpolation: Interpolation.Area, scaledDecode: true);
        var full = Load(jpeg, 64, interpolation: Interpolation.Area, scaledDecode: false);
        double meanAbs = scaled.Zip(full, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(meanAbs < 2.0, $"mean abs difference {meanAbs}");
        Assert.NotEqual(scaled, full); // the scaled path was really taken
    }

    public static TheoryData<byte[], string> CorruptCases()
    {
        var jpeg = TestImages.Encode(TestImages.RandomRgba(64, 64, 1), 64, 64, SKEncodedImageFormat.Jpeg, 90);
        return new()
        {
            { [], "empty file" },
            { "this is not an image\n"u8.ToArray(), "not a supported image" },
            { jpeg[..(jpeg.Length / 2)], "truncated" },
            { TestImages.PngHeaderOnly(50000, 50000), "50000x50000" },
        };
    }

    [Theory]
    [MemberData(nameof(CorruptCases))]
    public void Corrupt_inputs_throw_image_load_exception_with_a_reason(byte[] bytes, string reason)
    {
        var e = Assert.Throws<ImageLoadException>(() => Load(bytes, 8));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Files_load_like_their_bytes_even_after_a_larger_file()
    {
        // Files are read into pooled buffers: a small file after a large one must not see its leftovers.
        using var dir = new TempDir();
        var large = TestImages.Encode(TestImages.RandomRgba(300, 200, seed: 5), 300, 200, SKEncodedImageFormat.Jpeg, 95);
        var small = TestImages.Encode(TestImages.RandomRgba(9, 7, seed: 6), 9, 7, SKEncodedImageFormat.Png);
        File.WriteAllBytes(dir.File("large.jpg"), large);
        File.WriteAllBytes(dir.File("small.png"), small);
        File.WriteAllBytes(dir.File("empty.jpg"), []);
        var options = new ImageOptions { Size = 12 };
        foreach (var (name, bytes) in new[] { ("large.jpg", large), ("small.png", small) })
        {
            var fromFile = new float[options.TensorLength];
            ImageLoader.LoadInto(dir.File(name), options, fromFile);
            Assert.Equal(Load(bytes, 12, interpolation: Interpolation.Bilinear), fromFile);
        }
        var e = Assert.Throws<ImageLoadException>(() => ImageLoader.LoadInto(dir.File("empty.jpg"), options, new float[options.TensorLength]));
        Assert.Contains("empty file", e.Message);
    }

    [Fact]
    public void Unreadable_file_throws_image_load_exception()
    {
        // Tests run as root, for whom chmod 000 changes nothing; a dangling symlink is unreadable for everyone.
        using var dir = new TempDir();
        string link = dir.File("gone.jpg");
        File.CreateSymbolicLink(link, dir.File("missing-target.jpg"));
        var options = new ImageOptions { Size = 4 };
        var e = Assert.Throws<ImageLoadException>(() => ImageLoader.LoadInto(link, options, new float[options.TensorLength]));
        Assert.StartsWith("cannot read file", e.Message);
    }
}
