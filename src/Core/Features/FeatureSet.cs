namespace OnnxTransfer.Features;

/// <summary>
/// One layer's features of a feature set, in memory: <see cref="Features"/> is row-major
/// (<see cref="Rows"/> x <see cref="Width"/>) float32, one row per image, in shard order.
/// </summary>
public sealed class FeatureSet
{
    public const string Train = "train";
    public const string Val = "val";
    public const string Test = "test";

    public FeatureSet(string layer, int[] featureShape, float[] features, int width, string[] paths, int[] labels, string[] splits,
        IReadOnlyList<string> classes, FeatureSource source)
    {
        if (width <= 0 || features.Length != (long)paths.Length * width || labels.Length != paths.Length || splits.Length != paths.Length)
            throw new ArgumentException("Feature, path, label and split arrays disagree on the row count.");
        (Layer, FeatureShape, Features, Width, Paths, Labels, Splits, Classes, Source) =
            (layer, featureShape, features, width, paths, labels, splits, classes, source);
    }

    /// <summary>Loads one layer of the feature-set directory written by the extractor (see <see cref="FeatureSetReader"/>).</summary>
    public static FeatureSet Load(string directory, string? layer = null, bool allowPartial = false) => FeatureSetReader.Read(directory, layer, allowPartial);

    /// <summary>The feature layers a feature-set directory holds (a run of <c>extract</c> with several layers), in column order.</summary>
    public static IReadOnlyList<string> Layers(string directory) => FeatureSetReader.Layers(directory);

    /// <summary>Things about the set the user should hear before training on it (e.g. it is partial).</summary>
    public List<string> Warnings { get; } = [];

    public string Layer { get; }

    /// <summary>Shape of one row before flattening (NHWC order without N), e.g. [7, 7, 256].</summary>
    public int[] FeatureShape { get; }

    public float[] Features { get; }
    public int Width { get; }
    public int Rows => Paths.Length;
    public string[] Paths { get; }

    /// <summary>Class index per row, -1 for unlabelled rows.</summary>
    public int[] Labels { get; }

    /// <summary>"train", "val", "test" or "" per row.</summary>
    public string[] Splits { get; }

    public IReadOnlyList<string> Classes { get; }
    public FeatureSource Source { get; }

    public ReadOnlySpan<float> Row(int index) => Features.AsSpan(index * Width, Width);

    /// <summary>Indices of labelled rows whose split is <paramref name="split"/>.</summary>
    public int[] RowsOf(string split) => Enumerable.Range(0, Rows).Where(i => Splits[i] == split && Labels[i] >= 0).ToArray();
}
