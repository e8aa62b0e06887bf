using System.Buffers;
using SkiaSharp;

namespace OnnxTransfer.Extractor.Imaging;

/// <summary>
/// Decodes JPEG, PNG, BMP, GIF (first frame) and WebP with SkiaSharp (JPEG pixels with the system's
/// libjpeg-turbo when installed, see <see cref="ImageOptions.JpegDecoder"/>) into the model's input layout:
/// Size x Size x 3 floats, RGB, 0-255. EXIF orientation is applied; gray and CMYK come out as RGB;
/// transparent pixels are composited on white (what a browser or viewer shows, and what keeps a
/// transparent logo from turning black). ICC profiles are ignored, as PIL and Keras do.
/// </summary>
public static class ImageLoader
{
    /// <summary>Loads the image at <paramref name="path"/> into <paramref name="hwcRgb"/> (Size * Size * 3 floats).</summary>
    /// <exception cref="ImageLoadException">The file cannot be read or is not a usable image; the message is the reason.</exception>
    public static void LoadInto(string path, ImageOptions options, Span<float> hwcRgb)
    {
        // A pooled buffer, because File.ReadAllBytes puts most photos on the large object heap, and
        // allocating those fresh cost more than the read itself (0.35 ms of a 3 ms load).
        byte[] bytes = [];
        try
        {
            int length;
            try { length = ReadFile(path, ref bytes); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ImageLoadException($"cannot read file: {e.Message}", e);
            }
            LoadInto(bytes.AsSpan(0, length), options, hwcRgb);
        }
        finally
        {
            if (bytes.Length > 0) ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Reads the whole file into a buffer rented into <paramref name="bytes"/>; returns the byte count.</summary>
    private static int ReadFile(string path, ref byte[] bytes)
    {
        using var handle = File.OpenHandle(path);
        long declared = RandomAccess.GetLength(handle);
        if (declared > Array.MaxLength) throw new IOException($"file of {declared} bytes is too large to be an image");
        bytes = ArrayPool<byte>.Shared.Rent((int)declared);
        int length = 0;
        // Read until the declared length or end of file: a short read is allowed by the API.
        for (int n; length < declared && (n = RandomAccess.Read(handle, bytes.AsSpan(length, (int)declared - length), length)) > 0;)
            length += n;
        return length;
    }

    /// <summary>Decodes an encoded image held in memory into <paramref name="hwcRgb"/> (Size * Size * 3 floats).</summary>
    /// <exception cref="ImageLoadException">The bytes are not a usable image; the message is the reason.</exception>
    public static void LoadInto(ReadOnlySpan<byte> encoded, ImageOptions options, Span<float> hwcRgb)
    {
        options.Validate();
        if (hwcRgb.Length != options.TensorLength)
            throw new ArgumentException($"Output must hold {options.TensorLength} floats (Size*Size*3), not {hwcRgb.Length}.", nameof(hwcRgb));
        if (encoded.IsEmpty) throw new ImageLoadException("empty file (0 bytes)");

        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new ImageLoadException("not a supported image (JPEG, PNG, BMP, GIF or WebP expected)");
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0) throw new ImageLoadException($"invalid dimensions {info.Width}x{info.Height}");
        if ((long)info.Width * info.Height > options.MaxPixels)
            throw new ImageLoadException($"image declares {info.Width}x{info.Height} pixels, more than the limit of {options.MaxPixels}");

        var size = DecodeSize(codec, options);
        var decodeInfo = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        byte[] rgba = ArrayPool<byte>.Shared.Rent(decodeInfo.BytesSize);
        try
        {
            // The fast decoder takes the clean JPEGs; Skia decodes everything else, and decides what a damaged file yields.
            bool fast = codec.EncodedFormat == SKEncodedImageFormat.Jpeg && JpegDecoders.Resolve(options.JpegDecoder) == JpegDecoder.LibjpegTurbo
                        && TurboJpeg.Library!.TryDecode(encoded, size.Width, size.Height, rgba);
            if (!fast) SkiaDecode(codec, decodeInfo, rgba);

            var oriented = new OrientedImage(rgba, size.Width, size.Height, codec.EncodedOrigin, info.AlphaType != SKAlphaType.Opaque);
            var crop = options.Resize == ResizeMode.CenterCrop
                ? Resampler.CenterCrop(oriented.Width, oriented.Height, options.Size, options.Size)
                : (X: 0, Y: 0, oriented.Width, oriented.Height);
            Resampler.Resize(oriented, crop, hwcRgb, options.Size, options.Size, options.Interpolation);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rgba);
        }
    }

    private static unsafe void SkiaDecode(SKCodec codec, SKImageInfo info, byte[] rgba)
    {
        SKCodecResult result;
        fixed (byte* p = rgba) result = codec.GetPixels(info, (IntPtr)p, info.RowBytes, new SKCodecOptions(0));
        if (result == SKCodecResult.IncompleteInput) throw new ImageLoadException("truncated image data");
        if (result != SKCodecResult.Success) throw new ImageLoadException($"cannot decode image ({result})");
    }

    /// <summary>
    /// The size to decode at: the smallest JPEG DCT-domain downscale (k/8) that keeps the shorter side at
    /// least twice the output, so the resampler still sees real detail. Each candidate is asked of the
    /// codec, because Skia rounds a requested scale down to one it supports (0.30 becomes 1/4).
    /// </summary>
    private static SKSizeI DecodeSize(SKCodec codec, ImageOptions options)
    {
        var full = new SKSizeI(codec.Info.Width, codec.Info.Height);
        if (!options.ScaledDecode || codec.EncodedFormat != SKEncodedImageFormat.Jpeg) return full;
        // Orientation can swap axes, and a centre crop keeps only the shorter side; the shorter side is
        // the one that must stay large in both modes.
        for (int eighths = 1; eighths < 8; eighths++)
        {
            var scaled = codec.GetScaledDimensions(eighths / 8f);
            if (Math.Min(scaled.Width, scaled.Height) >= 2 * options.Size && scaled.Width < full.Width) return scaled;
        }
        return full;
    }
}
