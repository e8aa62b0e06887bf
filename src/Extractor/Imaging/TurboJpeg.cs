using System.Runtime.InteropServices;

namespace OnnxTransfer.Extractor.Imaging;

/// <summary>
/// The system's libjpeg-turbo through its TurboJPEG API; every call into that library goes through
/// this class. SkiaSharp bundles libjpeg-turbo built without its SIMD code, which makes JPEG
/// decoding (most of an image's preprocessing time) about twice as slow as a distribution's build.
/// Both run the same integer IDCT and fancy upsampling, so their pixels are the same bytes (tested).
/// </summary>
internal sealed unsafe class TurboJpeg
{
    // TurboJPEG constants (turbojpeg.h, stable since 1.2).
    private const int PixelFormatRgba = 7;
    private const int ColorspaceCmyk = 3, ColorspaceYcck = 4;
    private const int FlagLimitScans = 32768; // refuse progressive files with > 500 scans (a known CPU bomb)

    private static readonly string[] Candidates =
    [
        "libturbojpeg.so.0", "libturbojpeg.so",                                     // Linux distributions
        "libturbojpeg.0.dylib", "/opt/homebrew/opt/jpeg-turbo/lib/libturbojpeg.dylib", // Homebrew
        "/usr/local/opt/jpeg-turbo/lib/libturbojpeg.dylib",
        "turbojpeg.dll",                                                             // libjpeg-turbo's Windows installer
    ];

    private static readonly Lazy<TurboJpeg?> Loaded = new(Load);

    private readonly delegate* unmanaged<nint> _init;
    private readonly delegate* unmanaged<nint, int> _destroy;
    private readonly delegate* unmanaged<nint, byte*, CULong, int*, int*, int*, int*, int> _header;
    private readonly delegate* unmanaged<nint, byte*, CULong, byte*, int, int, int, int, int, int> _decompress;

    private TurboJpeg(nint library, string name)
    {
        _init = (delegate* unmanaged<nint>)NativeLibrary.GetExport(library, "tjInitDecompress");
        _destroy = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(library, "tjDestroy");
        _header = (delegate* unmanaged<nint, byte*, CULong, int*, int*, int*, int*, int>)NativeLibrary.GetExport(library, "tjDecompressHeader3");
        _decompress = (delegate* unmanaged<nint, byte*, CULong, byte*, int, int, int, int, int, int>)NativeLibrary.GetExport(library, "tjDecompress2");
        Name = name;
    }

    /// <summary>The loaded library, or null when none of the usual names loads.</summary>
    public static TurboJpeg? Library => Loaded.Value;

    /// <summary>The file name that loaded.</summary>
    public string Name { get; }

    private static TurboJpeg? Load()
    {
        foreach (string name in Candidates)
        {
            if (!NativeLibrary.TryLoad(name, out nint library)) continue;
            // An unrelated or ancient library of that name lacks one of these; keep looking.
            if (NativeLibrary.TryGetExport(library, "tjDecompressHeader3", out _) && NativeLibrary.TryGetExport(library, "tjDecompress2", out _))
                return new TurboJpeg(library, name);
            NativeLibrary.Free(library);
        }
        return null;
    }

    /// <summary>
    /// Decodes a JPEG to RGBA at exactly <paramref name="width"/> x <paramref name="height"/>, which must be the
    /// file's size or one of its k/8 DCT scalings. Returns false, leaving the caller to decode another way,
    /// for CMYK files (TurboJPEG cannot convert them to RGB) and whenever libjpeg reports any warning or error:
    /// the caller's decoder then decides what a damaged file yields, so both paths treat such files alike.
    /// </summary>
    public bool TryDecode(ReadOnlySpan<byte> jpeg, int width, int height, Span<byte> rgba)
    {
        if (rgba.Length < checked(width * height * 4)) throw new ArgumentException("Output buffer too small.", nameof(rgba));
        nint handle = _init();
        if (handle == 0) return false;
        try
        {
            fixed (byte* source = jpeg)
            fixed (byte* target = rgba)
            {
                int fileWidth, fileHeight, subsampling, colorspace;
                var size = new CULong((nuint)jpeg.Length);
                if (_header(handle, source, size, &fileWidth, &fileHeight, &subsampling, &colorspace) != 0) return false;
                if (colorspace is ColorspaceCmyk or ColorspaceYcck || !IsScaling(fileWidth, fileHeight, width, height)) return false;
                return _decompress(handle, source, size, target, width, width * 4, height, PixelFormatRgba, FlagLimitScans) == 0;
            }
        }
        finally
        {
            _destroy(handle);
        }
    }

    /// <summary>True when (width, height) is (fileWidth, fileHeight) scaled by some k/8, rounded up as libjpeg does.</summary>
    private static bool IsScaling(int fileWidth, int fileHeight, int width, int height)
    {
        for (int k = 1; k <= 8; k++)
            if ((fileWidth * k + 7) / 8 == width && (fileHeight * k + 7) / 8 == height) return true;
        return false;
    }
}
