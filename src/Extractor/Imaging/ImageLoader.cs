using System.Buffers;
using OnnxTransfer.IO;
using SkiaSharp;

namespace OnnxTransfer.Extractor.Imaging;

/// <summary>
/// Decodes JPEG, PNG, BMP, GIF (first frame) and WebP with SkiaSharp (JPEG pixels with the system's
/// libjpeg-turbo when installed, see <see cref="ImageOptions.JpegDecoder"/>) into the model's input layout:
/// Size x Size x 3 floats, RGB, 0-255. EXIF orientation is applied; gray and CMYK come out as RGB;
/// transparent pixels are composited on white (what a browser or viewer shows, and what keeps a
/// transparent logo from turning black). ICC profiles are ignored, as PIL and Keras do. The Pillow
/// interpolations (<see cref="PilResampler"/>) instead do what PIL does: no orientation, alpha dropped.
/// <para>Memory is bounded by design: only regular files are read (a FIFO, socket or device is refused without
/// blocking), files above <see cref="ImageOptions.MaxFileBytes"/> are refused before reading, images declaring
/// more than <see cref="ImageOptions.MaxPixels"/> before decoding, and all decodes of the process together hold at
/// most <see cref="PixelBytesInFlight"/> of decoded pixels (a larger image decodes alone).</para>
/// </summary>
internal static class ImageLoader
{
    /// <summary>Decoded RGBA bytes all decodes of the process may hold at once: 512 MiB (a 100-megapixel image alone needs 400 MB).</summary>
    public const long PixelBytesInFlight = 512L << 20;

    // Buffers above this size are not pooled: ArrayPool keeps up to several per core, so a few huge images would stay in
    // memory for the rest of the run. One is kept aside instead (the pixel budget lets about one such decode run at a
    // time), so a folder of huge images reuses it rather than leaving the GC a new 400 MB array each time.
    private const int PooledBytes = 64 << 20;

    private static readonly MemoryBudget PixelBudget = new(PixelBytesInFlight);
    private static byte[]? _spare;

    /// <summary>Loads the image at <paramref name="path"/> into <paramref name="hwcRgb"/> (Size * Size * 3 floats).</summary>
    /// <exception cref="ImageLoadException">The file cannot be read or is not a usable image; the message is the reason.</exception>
    public static void LoadInto(string path, ImageOptions options, Span<float> hwcRgb)
    {
        using var file = Read(path, options.MaxFileBytes);
        LoadInto(file.Bytes, options, hwcRgb);
    }

    /// <summary>The whole file at <paramref name="path"/>, within <paramref name="maxBytes"/>, in a pooled buffer returned on dispose.</summary>
    /// <exception cref="ImageLoadException">The file cannot be read, is not a regular file or is too large; the message is the reason.</exception>
    public static FileBytes Read(string path, long maxBytes)
    {
        // A pooled buffer, because File.ReadAllBytes puts most photos on the large object heap, and
        // allocating those fresh cost more than the read itself (0.35 ms of a 3 ms load).
        byte[] bytes = [];
        try
        {
            int length = ReadFile(path, maxBytes, ref bytes);
            return new FileBytes(bytes, length);
        }
        catch (FileNotFoundException e) when (path.Contains('\uFFFD'))
        {
            Return(bytes);
            throw new ImageLoadException("cannot read file: its name is not valid UTF-8, which .NET cannot open; rename it (e.g. with convmv)", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Return(bytes);
            throw new ImageLoadException($"cannot read file: {e.Message}", e);
        }
        catch
        {
            Return(bytes);
            throw;
        }
    }

    /// <summary>A file's bytes in a pooled buffer.</summary>
    internal sealed class FileBytes(byte[] buffer, int length) : IDisposable
    {
        public ReadOnlySpan<byte> Bytes => buffer.AsSpan(0, length);

        public void Dispose() => Return(buffer);
    }

    /// <summary>
    /// Reads the whole file into a buffer rented into <paramref name="bytes"/>; returns the byte count. The size and kind
    /// checked are those of the file opened (no race with a rename), and opening never blocks.
    /// </summary>
    private static int ReadFile(string path, long maxBytes, ref byte[] bytes)
    {
        // Checked before opening too: opening a socket fails with a puzzling "No such device or address".
        CheckRegular(Posix.Status(path));
        var (handle, status) = Posix.OpenRead(path);
        using (handle)
        {
            CheckRegular(status);
            long declared = status.Size;
            if (declared > maxBytes)
                throw new ImageLoadException($"file of {declared:N0} bytes is larger than the {maxBytes:N0}-byte limit for one image");
            bytes = Rent((int)declared);
            int length = 0;
            // Read until the declared length or end of file: a short read is allowed by the API.
            for (int n; length < declared && (n = RandomAccess.Read(handle, bytes.AsSpan(length, (int)declared - length), length)) > 0;)
                length += n;
            return length;
        }
    }

    private static void CheckRegular(FileStatus status)
    {
        if (status.Kind is FileKind.Directory or FileKind.Other)
            throw new ImageLoadException($"not a regular file ({(status.Kind == FileKind.Directory ? "a folder" : status.OtherKind)}); only regular files are read");
    }

    private static byte[] Rent(int bytes)
    {
        if (bytes <= PooledBytes) return ArrayPool<byte>.Shared.Rent(bytes);
        var spare = Interlocked.Exchange(ref _spare, null);
        return spare is not null && spare.Length >= bytes ? spare : GC.AllocateUninitializedArray<byte>(bytes);
    }

    private static void Return(byte[] bytes)
    {
        if (bytes.Length is > 0 and <= PooledBytes) ArrayPool<byte>.Shared.Return(bytes);
        else if (bytes.Length > PooledBytes && (Volatile.Read(ref _spare)?.Length ?? 0) < bytes.Length) Volatile.Write(ref _spare, bytes);
    }

    /// <summary>Decodes an encoded image held in memory into <paramref name="hwcRgb"/> (Size * Size * 3 floats).</summary>
    /// <exception cref="ImageLoadException">The bytes are not a usable image; the message is the reason.</exception>
    public static void LoadInto(ReadOnlySpan<byte> encoded, ImageOptions options, Span<float> hwcRgb)
    {
        options.Validate();
        if (hwcRgb.Length != options.TensorLength)
            throw new ArgumentException($"Output must hold {options.TensorLength} floats (Size*Size*3), not {hwcRgb.Length}.", nameof(hwcRgb));
        // Pillow decodes at full size (Image.resize never asks libjpeg for a scaled decode), so its modes do too.
        bool pil = PilResampler.Handles(options.Interpolation);
        using var image = Decode(encoded, options, options.ScaledDecode && !pil ? options.Size : 0);
        if (pil)
        {
            PilResize(image.Rgba, image.Size, options, hwcRgb);
            return;
        }
        var oriented = image.Oriented;
        var crop = options.Resize == ResizeMode.CenterCrop
            ? Resampler.CenterCrop(oriented.Width, oriented.Height, options.Size, options.Size)
            : (X: 0, Y: 0, oriented.Width, oriented.Height);
        Resampler.Resize(oriented, crop, hwcRgb, options.Size, options.Size, options.Interpolation);
    }

    /// <summary>
    /// The photo as <see cref="LoadInto(string, ImageOptions, Span{float})"/> sees it before resizing: decoded (at the
    /// same reduced JPEG scale, see <see cref="ImageOptions.ScaledDecode"/>), upright, transparent pixels composited on
    /// white and rounded to bytes. What a classifier exported for raw photos takes as its input.
    /// </summary>
    /// <exception cref="ImageLoadException">The file cannot be read or is not a usable image; the message is the reason.</exception>
    public static DecodedPhoto DecodePhoto(string path, ImageOptions options)
    {
        options.Validate();
        using var file = Read(path, options.MaxFileBytes);
        using var image = Decode(file.Bytes, options, options.ScaledDecode && !PilResampler.Handles(options.Interpolation) ? options.Size : 0);
        var oriented = image.Oriented;
        var rgb = new byte[checked(oriented.Width * oriented.Height * 3)];
        float[] row = ArrayPool<float>.Shared.Rent(oriented.Width * 3);
        try
        {
            var span = row.AsSpan(0, oriented.Width * 3);
            for (int y = 0; y < oriented.Height; y++)
            {
                oriented.CopyRgb(0, y, oriented.Width, 1, span);
                var dst = rgb.AsSpan(y * span.Length, span.Length);
                for (int i = 0; i < span.Length; i++) dst[i] = (byte)MathF.Round(span[i]);
            }
        }
        finally { ArrayPool<float>.Shared.Return(row); }
        return new DecodedPhoto(rgb, oriented.Width, oriented.Height);
    }

    /// <summary>
    /// Decodes <paramref name="encoded"/> to RGBA within the pixel limits; a JPEG whose shorter side is well above
    /// <paramref name="scaledTo"/> (0: never) is decoded at a reduced size (see <see cref="DecodeSize"/>).
    /// </summary>
    /// <exception cref="ImageLoadException">The bytes are not a usable image; the message is the reason.</exception>
    public static DecodedImage Decode(ReadOnlySpan<byte> encoded, ImageOptions options, int scaledTo)
    {
        if (encoded.IsEmpty) throw new ImageLoadException("empty file (0 bytes)");
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new ImageLoadException("not a supported image (JPEG, PNG, BMP, GIF or WebP expected)");
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0) throw new ImageLoadException($"invalid dimensions {info.Width}x{info.Height}");
        if ((long)info.Width * info.Height > options.MaxPixels)
            throw new ImageLoadException($"image declares {info.Width}x{info.Height} pixels, more than the limit of {options.MaxPixels}");

        var size = DecodeSize(codec, scaledTo);
        var decodeInfo = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var lease = PixelBudget.Acquire(decodeInfo.BytesSize64);
        byte[] rgba = Rent(decodeInfo.BytesSize);
        try
        {
            // The fast decoder takes the clean JPEGs; Skia decodes everything else, and decides what a damaged file yields.
            bool fast = codec.EncodedFormat == SKEncodedImageFormat.Jpeg && JpegDecoders.Resolve(options.JpegDecoder) == JpegDecoder.LibjpegTurbo
                        && TurboJpeg.Library!.TryDecode(encoded, size.Width, size.Height, rgba);
            if (!fast) SkiaDecode(codec, decodeInfo, rgba);
            return new DecodedImage(rgba, size, codec.EncodedOrigin, info.AlphaType != SKAlphaType.Opaque, lease);
        }
        catch
        {
            Return(rgba);
            lease.Dispose();
            throw;
        }
    }

    /// <summary>Decoded RGBA pixels as stored, holding their share of the pixel budget until disposed.</summary>
    internal sealed class DecodedImage(byte[] rgba, SKSizeI size, SKEncodedOrigin origin, bool hasAlpha, MemoryBudget.Lease lease) : IDisposable
    {
        public byte[] Rgba => rgba;

        /// <summary>The stored (not upright) size.</summary>
        public SKSizeI Size => size;

        public OrientedImage Oriented => new(rgba, size.Width, size.Height, origin, hasAlpha);

        public void Dispose()
        {
            Return(rgba);
            lease.Dispose();
        }
    }

    /// <summary>
    /// The Pillow modes resize the image as Python's PIL pipelines have it: Image.open(path).convert('RGB') stores the
    /// pixels as decoded, so EXIF orientation is not applied and alpha is dropped (not composited); then the bytes are
    /// Pillow's, handed to the model as floats.
    /// </summary>
    private static void PilResize(byte[] rgba, SKSizeI size, ImageOptions options, Span<float> hwcRgb)
    {
        if (options.Resize == ResizeMode.ShortSide)
        {
            ShortSideResize(rgba, size, options, hwcRgb);
            return;
        }
        var crop = options.Resize == ResizeMode.CenterCrop
            ? Resampler.CenterCrop(size.Width, size.Height, options.Size, options.Size)
            : (X: 0, Y: 0, size.Width, size.Height);
        byte[] rgb = ArrayPool<byte>.Shared.Rent(hwcRgb.Length);
        try
        {
            PilResampler.Resize(rgba, size.Width, crop, rgb, options.Size, options.Size, options.Interpolation);
            for (int i = 0; i < hwcRgb.Length; i++) hwcRgb[i] = rgb[i];
        }
        finally { ArrayPool<byte>.Shared.Return(rgb); }
    }

    /// <summary>Pillow's resize of the whole image to the <see cref="ShortSideCrop"/> size, then its centre crop, as torchvision does them.</summary>
    private static void ShortSideResize(byte[] rgba, SKSizeI size, ImageOptions options, Span<float> hwcRgb)
    {
        var plan = ShortSideCrop.Of(size.Width, size.Height, options.Size, options.CropFraction, options.MaxPixels);
        int rowBytes = plan.Width * 3;
        byte[] resized = ArrayPool<byte>.Shared.Rent(plan.Height * rowBytes);
        try
        {
            // torchvision returns an image already at the size unresized, and Pillow copies it: the same bytes either way.
            PilResampler.Resize(rgba, size.Width, (0, 0, size.Width, size.Height), resized, plan.Width, plan.Height, options.Interpolation);
            int o = 0;
            for (int y = plan.Top; y < plan.Top + options.Size; y++)
                for (int i = y * rowBytes + plan.Left * 3, end = i + options.Size * 3; i < end; i++) hwcRgb[o++] = resized[i];
        }
        finally { ArrayPool<byte>.Shared.Return(resized); }
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
    private static SKSizeI DecodeSize(SKCodec codec, int scaledTo)
    {
        var full = new SKSizeI(codec.Info.Width, codec.Info.Height);
        if (scaledTo <= 0 || codec.EncodedFormat != SKEncodedImageFormat.Jpeg) return full;
        // Orientation can swap axes, and a centre crop keeps only the shorter side; the shorter side is
        // the one that must stay large in both modes.
        for (int eighths = 1; eighths < 8; eighths++)
        {
            var scaled = codec.GetScaledDimensions(eighths / 8f);
            if (Math.Min(scaled.Width, scaled.Height) >= 2 * scaledTo && scaled.Width < full.Width) return scaled;
        }
        return full;
    }
}
