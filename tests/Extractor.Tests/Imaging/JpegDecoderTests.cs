using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Tests;
using SkiaSharp;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Imaging;

/// <summary>Runs only where the system's libjpeg-turbo is installed (.ci/run installs it), and ../shared when asked.</summary>
public sealed class TurboFactAttribute : FactAttribute
{
    public TurboFactAttribute(bool needsShared = false)
    {
        if (!JpegDecoders.LibjpegTurboAvailable) Skip = "skipped: libturbojpeg not installed (apt install libturbojpeg0)";
        else if (needsShared && SharedData.Root is null) Skip = "skipped: ../shared not found";
    }
}

/// <summary>
/// The system's libjpeg-turbo must give exactly SkiaSharp's bytes (SkiaSharp is the reference: it decodes
/// every format and is always present), at full size and at every DCT scaling the loader asks for.
/// </summary>
public class JpegDecoderTests
{
    private static byte[] SkiaRgba(byte[] jpeg, float scale = 1)
    {
        using var codec = SKCodec.Create(SKData.CreateCopy(jpeg));
        var size = codec.GetScaledDimensions(scale);
        using var bitmap = new SKBitmap(new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        Assert.Equal(SKCodecResult.Success, codec.GetPixels(bitmap.Info, bitmap.GetPixels()));
        return bitmap.Bytes;
    }

    private static (byte[] Rgba, bool Decoded) TurboRgba(byte[] jpeg, float scale = 1)
    {
        using var codec = SKCodec.Create(SKData.CreateCopy(jpeg));
        var size = codec.GetScaledDimensions(scale);
        var rgba = new byte[size.Width * size.Height * 4];
        bool decoded = TurboJpeg.Library!.TryDecode(jpeg, size.Width, size.Height, rgba);
        return (rgba, decoded);
    }

    private static void AssertSameBytes(byte[] jpeg, float scale, string what)
    {
        var (turbo, decoded) = TurboRgba(jpeg, scale);
        Assert.True(decoded, $"{what}: libjpeg-turbo declined a clean JPEG");
        var skia = SkiaRgba(jpeg, scale);
        int first = turbo.AsSpan().CommonPrefixLength(skia);
        Assert.True(first == skia.Length, $"{what} at scale {scale}: first differing byte {first} of {skia.Length}");
    }

    private static byte[] Smooth(int width, int height, SKColorType colorType = SKColorType.Rgba8888, SKJpegEncoderDownsample downsample = SKJpegEncoderDownsample.Downsample420)
    {
        // Gradients plus noise: real detail in every 8x8 block, so IDCT and upsampling differences would show.
        var rgba = TestImages.RandomRgba(width, height, seed: width + height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = (y * width + x) * 4;
                rgba[i] = (byte)((x * 255 / width + rgba[i] / 8) & 255);
                rgba[i + 1] = (byte)((y * 255 / height + rgba[i + 1] / 8) & 255);
            }
        return TestImages.Encode(rgba, width, height, SKEncodedImageFormat.Jpeg, 90, colorType, SKAlphaType.Opaque, downsample);
    }

    [TurboFact]
    public void Same_bytes_as_skia_for_each_chroma_subsampling_and_dct_scale()
    {
        foreach (var downsample in Enum.GetValues<SKJpegEncoderDownsample>())
        {
            // Odd sizes exercise the partial last MCU and the rounding of scaled sizes.
            var jpeg = Smooth(203, 157, downsample: downsample);
            for (int eighths = 1; eighths <= 8; eighths++)
                AssertSameBytes(jpeg, eighths / 8f, $"{downsample}");
        }
    }

    [TurboFact]
    public void Same_bytes_as_skia_for_a_grayscale_jpeg()
    {
        var jpeg = Smooth(64, 40, SKColorType.Gray8);
        using (var codec = SKCodec.Create(SKData.CreateCopy(jpeg)))
            Assert.Equal(SKColorType.Gray8, codec.Info.ColorType); // really a one-channel file
        AssertSameBytes(jpeg, 1, "gray");
        AssertSameBytes(jpeg, 0.5f, "gray");
    }

    [TurboFact(needsShared: true)]
    public void Same_bytes_as_skia_on_every_shared_photo()
    {
        var photos = Directory.GetFiles(SharedData.Path("datasets"), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).ToList();
        Assert.True(photos.Count > 1000, $"only {photos.Count} photos found");
        foreach (string photo in photos) AssertSameBytes(File.ReadAllBytes(photo), 1, photo);
    }

    [TurboFact]
    public void Loader_gives_the_same_tensor_with_either_decoder_including_scaled_and_oriented_decodes()
    {
        var big = Smooth(1900, 1000); // short side >= 4x64: decoded at a DCT scale
        foreach (ushort orientation in new ushort[] { 1, 6 })
            foreach (var resize in Enum.GetValues<ResizeMode>())
            {
                var jpeg = TestImages.WithExifOrientation(big, orientation);
                // short-side resizes only with Pillow's filters (which decode at full size).
                var interpolation = resize == ResizeMode.ShortSide ? Interpolation.PilBilinear : Interpolation.Area;
                float[] Tensor(JpegDecoder decoder)
                {
                    var options = new ImageOptions { Size = 64, Resize = resize, Interpolation = interpolation, JpegDecoder = decoder };
                    var dst = new float[options.TensorLength];
                    ImageLoader.LoadInto(jpeg, options, dst);
                    return dst;
                }
                Assert.Equal(Tensor(JpegDecoder.Skia), Tensor(JpegDecoder.LibjpegTurbo));
            }
    }

    [TurboFact]
    public void Damaged_jpegs_are_left_to_skia()
    {
        var jpeg = Smooth(64, 64);
        var truncated = jpeg[..(jpeg.Length / 2)];
        Assert.False(TurboRgba(truncated).Decoded); // a libjpeg warning: not a clean decode
        var e = Assert.Throws<ImageLoadException>(() =>
            ImageLoader.LoadInto(truncated, new ImageOptions { Size = 8, JpegDecoder = JpegDecoder.LibjpegTurbo }, new float[8 * 8 * 3]));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Auto_names_the_decoder_it_resolves_to()
    {
        var resolved = JpegDecoders.Resolve(JpegDecoder.Auto);
        Assert.Equal(JpegDecoders.LibjpegTurboAvailable ? JpegDecoder.LibjpegTurbo : JpegDecoder.Skia, resolved);
        string line = JpegDecoders.Describe(JpegDecoder.Auto);
        Assert.Contains(resolved == JpegDecoder.LibjpegTurbo ? "with SIMD" : "libturbojpeg not found", line);
        // The run's line and summary.json name the decoder briefly; the install hint is apart, short, and only when it helps.
        Assert.True(line.Length <= 90, line);
        Assert.DoesNotContain("install", line, StringComparison.Ordinal);
        string? advice = JpegDecoders.Advice(JpegDecoder.Auto);
        if (resolved == JpegDecoder.LibjpegTurbo) Assert.Null(advice);
        else Assert.Contains("apt install libturbojpeg0", advice);
        Assert.True(advice is null || advice.Length <= 100, advice);
        Assert.Null(JpegDecoders.Advice(JpegDecoder.Skia)); // asked for: no advice
        if (!JpegDecoders.LibjpegTurboAvailable)
            Assert.Contains("apt install libturbojpeg0", Assert.Throws<OnnxTransferException>(() => JpegDecoders.Resolve(JpegDecoder.LibjpegTurbo)).Message);
    }
}
