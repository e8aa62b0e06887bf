using System.Buffers.Binary;
using SkiaSharp;

namespace OnnxTransfer.Tests;

/// <summary>Builds small encoded images with known pixels for decoder tests.</summary>
public static class TestImages
{
    /// <summary>
    /// Encodes RGBA pixels (row-major, 4 bytes each) in a Skia-writable format; <paramref name="jpegDownsample"/>
    /// picks a JPEG's chroma subsampling (default: Skia's).
    /// </summary>
    public static byte[] Encode(byte[] rgba, int width, int height, SKEncodedImageFormat format, int quality = 100,
                                SKColorType colorType = SKColorType.Rgba8888, SKAlphaType alphaType = SKAlphaType.Unpremul,
                                SKJpegEncoderDownsample? jpegDownsample = null)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, colorType, alphaType));
        if (colorType == SKColorType.Gray8)
        {
            // Gray8 stores one byte per pixel: take the red channel.
            var gray = new byte[width * height];
            for (int i = 0; i < gray.Length; i++) gray[i] = rgba[i * 4];
            System.Runtime.InteropServices.Marshal.Copy(gray, 0, bitmap.GetPixels(), gray.Length);
        }
        else System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var pixmap = bitmap.PeekPixels();
        using var data = format == SKEncodedImageFormat.Webp
            ? pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 100))
            : jpegDownsample is { } downsample
            ? pixmap.Encode(new SKJpegEncoderOptions(quality, downsample, SKJpegEncoderAlphaOption.Ignore))
            : pixmap.Encode(format, quality);
        return (data ?? throw new InvalidOperationException($"Skia cannot encode {format}")).ToArray();
    }

    /// <summary>Random opaque RGBA pixels.</summary>
    public static byte[] RandomRgba(int width, int height, int seed)
    {
        var rng = new Random(seed);
        var rgba = new byte[width * height * 4];
        rng.NextBytes(rgba);
        for (int i = 3; i < rgba.Length; i += 4) rgba[i] = 255;
        return rgba;
    }

    /// <summary>A 24-bit BMP (bottom-up BGR rows padded to 4 bytes), written by hand since Skia cannot encode BMP.</summary>
    public static byte[] Bmp(byte[] rgba, int width, int height)
    {
        int stride = (width * 3 + 3) & ~3;
        var bmp = new byte[54 + stride * height];
        bmp[0] = (byte)'B'; bmp[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(2), bmp.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(28), 24);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(34), stride * height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int s = (y * width + x) * 4, d = 54 + (height - 1 - y) * stride + x * 3;
                bmp[d] = rgba[s + 2]; bmp[d + 1] = rgba[s + 1]; bmp[d + 2] = rgba[s];
            }
        return bmp;
    }

    /// <summary>
    /// A 1x1 two-frame GIF: frame 0 is red (global palette), frame 1 green (local palette). A decoder
    /// that shows the first frame gives red.
    /// </summary>
    public static byte[] TwoFrameGif() =>
    [
        .. "GIF89a"u8, 1, 0, 1, 0, 0x80, 0, 0, // 1x1, global colour table of 2 entries
        0xFF, 0, 0, 0, 0, 0,                   // palette: red, black
        0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0,       // frame 0 descriptor
        2, 2, 0x44, 0x01, 0,                   // LZW min code 2; data: clear, index 0, end
        0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0x80,    // frame 1 descriptor with a local colour table
        0, 0xFF, 0, 0, 0, 0,                   // palette: green, black
        2, 2, 0x44, 0x01, 0,
        0x3B,
    ];

    /// <summary>A PNG declaring width x height with almost no pixel data: a decompression-bomb stand-in.</summary>
    public static byte[] PngHeaderOnly(int width, int height)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(0), width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
        var png = new List<byte>([0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10]);
        Chunk(png, "IHDR", ihdr);
        Chunk(png, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]); // an empty zlib stream
        Chunk(png, "IEND", []);
        return [.. png];
    }

    private static void Chunk(List<byte> png, string type, byte[] data)
    {
        var len = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        png.AddRange(len);
        byte[] body = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        png.AddRange(body);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(body));
        png.AddRange(crc);
    }

    /// <summary>Inserts an EXIF APP1 segment carrying only an Orientation tag right after a JPEG's SOI marker.</summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff =
        [
            (byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0, // little-endian TIFF header, IFD0 at offset 8
            1, 0,                                   // one entry
            0x12, 0x01, 3, 0, 1, 0, 0, 0,           // tag 0x0112 Orientation, SHORT, count 1
            (byte)orientation, 0, 0, 0,             // value
            0, 0, 0, 0,                             // no next IFD
        ];
        byte[] payload = [.. "Exif\0\0"u8, .. tiff];
        int segLen = payload.Length + 2;
        return [0xFF, 0xD8, 0xFF, 0xE1, (byte)(segLen >> 8), (byte)segLen, .. payload, .. jpeg.AsSpan(2)];
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
