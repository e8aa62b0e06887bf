using SkiaSharp;

namespace OnnxTransfer.Extractor.Imaging;

/// <summary>
/// Small JPEG copies of photos for reports: decoded as the extractor decodes them (same file checks and limits, EXIF
/// orientation applied, transparency on white), shrunk with area averaging to fit a square, aspect ratio kept.
/// </summary>
public static class Thumbnail
{
    /// <summary>
    /// The photo at <paramref name="path"/> as a JPEG at most <paramref name="maxSide"/> pixels wide and high (default 128;
    /// a smaller photo keeps its size), encoded at <paramref name="quality"/> (1-100, default 80).
    /// </summary>
    /// <exception cref="OnnxTransferException">The file cannot be read or is not a usable image (the message names it and says why), or an argument is out of range.</exception>
    public static byte[] Jpeg(string path, int maxSide = 128, int quality = 80)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (maxSide is < 1 or > 4096) throw new OnnxTransferException($"Thumbnail size {maxSide} is out of range; use a maxSide between 1 and 4096 (e.g. 128).");
        if (quality is < 1 or > 100) throw new OnnxTransferException($"JPEG quality {quality} is out of range; use a quality between 1 and 100 (e.g. 80).");
        var options = new ImageOptions();
        try
        {
            using var file = ImageLoader.Read(path, options.MaxFileBytes);
            using var image = ImageLoader.Decode(file.Bytes, options, maxSide);
            return Encode(image.Oriented, maxSide, quality);
        }
        catch (ImageLoadException e)
        {
            throw new OnnxTransferException($"Cannot make a thumbnail of '{path}': {e.Message}.", e);
        }
    }

    /// <summary>The size that fits a maxSide square with the image's aspect ratio, at least one pixel a side.</summary>
    internal static (int Width, int Height) Fit(int width, int height, int maxSide)
    {
        double scale = Math.Min(1.0, (double)maxSide / Math.Max(width, height));
        return (Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)));
    }

    private static byte[] Encode(in OrientedImage image, int maxSide, int quality)
    {
        var (w, h) = Fit(image.Width, image.Height, maxSide);
        var rgb = new float[w * h * 3];
        Resampler.Resize(image, (0, 0, image.Width, image.Height), rgb, w, h, Interpolation.Area);
        var rgba = new byte[w * h * 4];
        for (int i = 0, o = 0; i < rgb.Length; i += 3, o += 4)
        {
            rgba[o] = ToByte(rgb[i]);
            rgba[o + 1] = ToByte(rgb[i + 1]);
            rgba[o + 2] = ToByte(rgb[i + 2]);
            rgba[o + 3] = 255;
        }
        using var pixels = SKImage.FromPixelCopy(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque), rgba);
        using var data = pixels.Encode(SKEncodedImageFormat.Jpeg, quality);
        return data.ToArray();
    }

    private static byte ToByte(float v) => (byte)Math.Clamp(MathF.Round(v), 0, 255);
}
