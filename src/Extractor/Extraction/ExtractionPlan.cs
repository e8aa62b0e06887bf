using OnnxTransfer.Extractor.Augmentation;
using OnnxTransfer.Features;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>One row to compute: view <paramref name="View"/> of <paramref name="Item"/> (0: the image itself).</summary>
internal sealed record ExtractionEntry(InputItem Item, int View)
{
    public RowKey Key { get; } = Item.Key with { View = View };
}

/// <summary>
/// The rows of a run in order, and which belong to each part file. Parts are counted in images (part k holds images
/// [k * PerShard, (k + 1) * PerShard)), rows in entries: an image, then its augmented views when it gets them, so
/// run-wide indices (a piece's end, a resume point) are entry indices and always fall between two images' rows.
/// </summary>
internal sealed class ExtractionPlan
{
    private readonly int[] _firstEntry; // per image, its first entry; then the entry count

    public ExtractionPlan(IReadOnlyList<InputItem> items, int perShard, AugmentationOptions augmentation)
    {
        PerShard = perShard;
        Images = items.Count;
        Parts = (items.Count + perShard - 1) / perShard;
        var entries = new List<ExtractionEntry>(items.Count);
        _firstEntry = new int[items.Count + 1];
        for (int i = 0; i < items.Count; i++)
        {
            _firstEntry[i] = entries.Count;
            int views = Augmented(items[i]) ? augmentation.Views : 0;
            for (int v = 0; v <= views; v++) entries.Add(new ExtractionEntry(items[i], v));
        }
        _firstEntry[items.Count] = entries.Count;
        Entries = entries;
    }

    /// <summary>Labelled training images (split "train", or none) get augmented views; validation and test never do.</summary>
    public static bool Augmented(InputItem item) => FeatureFormat.GetsViews(item.Label, item.Split);

    public IReadOnlyList<ExtractionEntry> Entries { get; }

    public int PerShard { get; }

    public int Images { get; }

    public int Parts { get; }

    /// <summary>The images of part <paramref name="part"/>.</summary>
    public int ImagesOf(int part) => Math.Min(PerShard, Images - part * PerShard);

    /// <summary>Part <paramref name="part"/>'s first entry.</summary>
    public int Start(int part) => _firstEntry[part * PerShard];

    /// <summary>The entry after part <paramref name="part"/>'s last.</summary>
    public int End(int part) => _firstEntry[Math.Min(Images, (part + 1) * PerShard)];

    /// <summary>The first entry of the image after the one entry <paramref name="entry"/> belongs to.</summary>
    public int NextImage(int entry)
    {
        do entry++;
        while (entry < Entries.Count && Entries[entry].View != 0);
        return entry;
    }
}
