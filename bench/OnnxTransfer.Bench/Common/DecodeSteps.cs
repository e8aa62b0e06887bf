using SkiaSharp;

namespace OnnxTransfer.Bench.Common;

/// <summary>
/// The steps inside ImageLoader.LoadInto, done separately so their costs can be told apart:
/// JPEG decode to RGBA (SkiaSharp/libjpeg-turbo) and RGBA bytes to float RGB, the public resampler's input.
/// The loader itself skips the float copy for opaque images (its horizontal pass reads the RGBA bytes),
/// so to-float plus resize here is an upper bound on what it spends after decoding.
/// </summary>
public static class DecodeSteps
{
    /// <summary>Decodes at full size into <paramref name="rgba"/> (grown as needed); returns the size.</summary>
    public static (int Width, int Height) DecodeRgba(byte[] encoded, ref byte[] rgba)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data) ?? throw new InvalidOperationException("not an image");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        if (rgba.Length < info.BytesSize) rgba = new byte[info.BytesSize];
        SKCodecResult result;
        unsafe
        {
            fixed (byte* p = rgba) result = codec.GetPixels(info, (IntPtr)p, info.RowBytes, new SKCodecOptions(0));
        }
        if (result != SKCodecResult.Success) throw new InvalidOperationException($"decode failed: {result}");
        return (info.Width, info.Height);
    }

    /// <summary>RGBA bytes to float RGB 0-255, the layout the resampler reads.</summary>
    public static void ToFloatRgb(ReadOnlySpan<byte> rgba, Span<float> rgb)
    {
        for (int i = 0, j = 0; j < rgb.Length; i += 4, j += 3)
        {
            rgb[j] = rgba[i];
            rgb[j + 1] = rgba[i + 1];
            rgb[j + 2] = rgba[i + 2];
        }
    }
}
