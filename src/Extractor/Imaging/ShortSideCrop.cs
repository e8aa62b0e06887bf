namespace OnnxTransfer.Extractor.Imaging;

/// <summary>
/// The sizes of <see cref="ResizeMode.ShortSide"/>, as torchvision 0.14 computes them: Resize(s) gives the shorter side s
/// and the longer int(s * long / short) (truncated), and CenterCrop(c) starts at int(round((side - c) / 2.0)), Python's
/// round, which takes halves to even. s is timm's floor(c / crop_pct).
/// </summary>
internal readonly record struct ShortSideCrop(int Width, int Height, int Left, int Top)
{
    /// <exception cref="ImageLoadException">
    /// The resized image would hold more than <paramref name="maxPixels"/> pixels (a 1-pixel-wide strip, say): its buffer
    /// is bounded by the same limit as a decoded image's.
    /// </exception>
    public static ShortSideCrop Of(int width, int height, int size, double cropFraction, long maxPixels = ImageOptions.DefaultMaxPixels)
    {
        long side = (long)Math.Floor(size / cropFraction);
        bool portrait = width <= height;
        int shorter = portrait ? width : height, longer = portrait ? height : width;
        // Python's int * int / int: an exact product, then one double division.
        double along = (double)(side * longer) / shorter;
        if (side * along > maxPixels)
            throw new ImageLoadException(FormattableString.Invariant(
                $"a {width}x{height} image resized to a shorter side of {side} would have {side * along:N0} pixels, more than the limit of {maxPixels:N0}"));
        int w = (int)(portrait ? side : (long)along), h = (int)(portrait ? (long)along : side);
        return new ShortSideCrop(w, h, Centre(w, size), Centre(h, size));
    }

    private static int Centre(int side, int crop) => (int)Math.Round((side - crop) / 2.0, MidpointRounding.ToEven);
}
