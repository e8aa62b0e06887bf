namespace OnnxTransfer.Extractor.Imaging;

/// <summary>Which library decodes JPEG pixels. Both give the same bytes; they differ in speed and availability.</summary>
public enum JpegDecoder
{
    /// <summary>The system's libjpeg-turbo when it is installed, else SkiaSharp's.</summary>
    Auto,

    /// <summary>The libjpeg-turbo bundled in SkiaSharp (always present, built without SIMD).</summary>
    Skia,

    /// <summary>The system's libjpeg-turbo (libturbojpeg), about twice as fast; an error when it is not installed.</summary>
    LibjpegTurbo,
}

/// <summary>Resolves <see cref="JpegDecoder"/> choices and says which decoder is in use, and why.</summary>
internal static class JpegDecoders
{
    /// <summary>How to get the fast decoder, for messages.</summary>
    public const string InstallHint =
        "install libjpeg-turbo's TurboJPEG library (Debian/Ubuntu: apt install libturbojpeg0; Fedora: dnf install turbojpeg; " +
        "macOS: brew install jpeg-turbo; Windows: libjpeg-turbo's installer, with turbojpeg.dll on PATH)";

    /// <summary>True when the system's libjpeg-turbo loaded.</summary>
    public static bool LibjpegTurboAvailable => TurboJpeg.Library is not null;

    /// <summary>The decoder <paramref name="requested"/> resolves to on this machine.</summary>
    /// <exception cref="OnnxTransferException">libjpeg-turbo was asked for and is not installed.</exception>
    public static JpegDecoder Resolve(JpegDecoder requested) => requested switch
    {
        JpegDecoder.Auto => LibjpegTurboAvailable ? JpegDecoder.LibjpegTurbo : JpegDecoder.Skia,
        JpegDecoder.LibjpegTurbo when !LibjpegTurboAvailable =>
            throw new OnnxTransferException($"`JpegDecoder` libjpeg-turbo: the TurboJPEG library was not found; {InstallHint}, or use `JpegDecoder` skia."),
        _ => requested,
    };

    /// <summary>
    /// A short phrase naming the decoder <paramref name="requested"/> resolves to, and why (no silent fallback), for the
    /// run's line and summary.json; how to get the fast one is <see cref="Advice"/>, said once by the caller.
    /// </summary>
    public static string Describe(JpegDecoder requested) => Resolve(requested) switch
    {
        JpegDecoder.LibjpegTurbo => $"JPEG decoder: libjpeg-turbo with SIMD ({TurboJpeg.Library!.Name})",
        _ when requested == JpegDecoder.Auto => "JPEG decoder: SkiaSharp's, without SIMD (about 2x slower; libturbojpeg not found)",
        _ => "JPEG decoder: SkiaSharp's built-in libjpeg-turbo (as requested)",
    };

    /// <summary>How to get the fast decoder, in one short line for this OS; null when it is in use or another was asked for.</summary>
    public static string? Advice(JpegDecoder requested) => requested != JpegDecoder.Auto || LibjpegTurboAvailable ? null
        : "for JPEGs about 2x faster, install libjpeg-turbo's TurboJPEG: " + (OperatingSystem.IsMacOS() ? "brew install jpeg-turbo"
            : OperatingSystem.IsWindows() ? "libjpeg-turbo's installer, with turbojpeg.dll on PATH"
            : "apt install libturbojpeg0 (Debian/Ubuntu) or dnf install turbojpeg (Fedora)");
}
