using SkiaSharp;

namespace OnnxTransfer.Extractor.Imaging;

/// <summary>
/// A decoded RGBA buffer seen through its EXIF orientation: coordinates are those of the upright
/// image, and reads map them back to the stored pixels, so no rotated copy is made.
/// </summary>
internal readonly struct OrientedImage
{
    private readonly byte[] _rgba;
    private readonly int _storedWidth, _storedHeight;
    private readonly SKEncodedOrigin _origin;
    private readonly bool _hasAlpha;

    public OrientedImage(byte[] rgba, int storedWidth, int storedHeight, SKEncodedOrigin origin, bool hasAlpha)
    {
        _rgba = rgba;
        _storedWidth = storedWidth;
        _storedHeight = storedHeight;
        _origin = origin;
        _hasAlpha = hasAlpha;
        bool swaps = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        Width = swaps ? storedHeight : storedWidth;
        Height = swaps ? storedWidth : storedHeight;
    }

    /// <summary>Upright width.</summary>
    public int Width { get; }

    /// <summary>Upright height.</summary>
    public int Height { get; }

    /// <summary>False for opaque images (every JPEG), whose bytes the resampler may read directly.</summary>
    public bool HasAlpha => _hasAlpha;

    /// <summary>The stored RGBA bytes.</summary>
    public byte[] Rgba => _rgba;

    /// <summary>The stored pixel index of upright (x, y), and the index step to (x + 1, y).</summary>
    public (int Pixel, int StepX) Locate(int x, int y)
    {
        var (origin, stepX, stepY) = Mapping();
        return (origin + x * stepX + y * stepY, stepX);
    }

    /// <summary>Copies an upright window as interleaved RGB floats 0-255, compositing alpha on white.</summary>
    public void CopyRgb(int x0, int y0, int width, int height, Span<float> dst)
    {
        // Every orientation maps upright (x, y) to stored pixel base + x*stepX + y*stepY.
        var (origin, stepX, stepY) = Mapping();
        int o = 0;
        for (int y = y0; y < y0 + height; y++)
        {
            int p = origin + x0 * stepX + y * stepY;
            for (int x = 0; x < width; x++, p += stepX)
            {
                int s = p * 4;
                float r = _rgba[s], g = _rgba[s + 1], b = _rgba[s + 2];
                if (_hasAlpha)
                {
                    float a = _rgba[s + 3] / 255f, white = 255f * (1 - a);
                    r = r * a + white;
                    g = g * a + white;
                    b = b * a + white;
                }
                dst[o++] = r;
                dst[o++] = g;
                dst[o++] = b;
            }
        }
    }

    private (int Origin, int StepX, int StepY) Mapping()
    {
        int w = _storedWidth, h = _storedHeight;
        int last = (h - 1) * w; // first pixel of the last stored row
        return _origin switch
        {
            SKEncodedOrigin.TopRight => (w - 1, -1, w),              // mirrored horizontally
            SKEncodedOrigin.BottomRight => (last + w - 1, -1, -w),   // rotated 180
            SKEncodedOrigin.BottomLeft => (last, 1, -w),             // mirrored vertically
            SKEncodedOrigin.LeftTop => (0, w, 1),                    // transposed
            SKEncodedOrigin.RightTop => (last, -w, 1),               // display rotates the stored image 90 CW
            SKEncodedOrigin.RightBottom => (last + w - 1, -w, -1),   // transversed
            SKEncodedOrigin.LeftBottom => (w - 1, w, -1),            // display rotates the stored image 90 CCW
            _ => (0, 1, w),
        };
    }
}
