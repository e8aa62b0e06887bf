namespace OnnxTransfer.Extractor.Imaging;

/// <summary>
/// The sizes of <see cref="ResizeMode.ShortSide"/>, as torchvision 0.14 computes them: Resize(s) gives the shorter side s
/// and the longer int(s * long / short) (truncated), and CenterCrop(c) starts at int(round((side - c) / 2.0)), Python's
/// round, which takes halves to even. s is timm's floor(c / crop_pct).
/// </summary>
internal readonly record struct ShortSideCrop(int Width, int Height, int Left, int Top)
{
    public static ShortSideCrop Of(int width, int height, int size, double cropFraction)
    {
        int side = (int)Math.Floor(size / cropFraction);
        bool portrait = width <= height;
        int shorter = portrait ? width : height, longer = portrait ? height : width;
        // Python's int * int / int: an exact product, then one double division.
        int along = (int)((double)((long)side * longer) / shorter);
        int w = portrait ? side : along, h = portrait ? along : side;
        return new ShortSideCrop(w, h, Centre(w, size), Centre(h, size));
    }

    private static int Centre(int side, int crop) => (int)Math.Round((side - crop) / 2.0, MidpointRounding.ToEven);
}
