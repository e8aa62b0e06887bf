namespace OnnxTransfer.Features;

/// <summary>
/// One layer's features of a feature set: one row per image, in shard order, with its path, label and split.
/// Held in memory (<see cref="Features"/>: row-major <see cref="Rows"/> x <see cref="Width"/> float32) or, for a set
/// larger than its memory budget, streamed: the rows' identities are in memory and the features stay in the
/// shards, read a window at a time by the trainer and the evaluator (<see cref="InMemory"/> says which).
/// </summary>
public sealed class FeatureSet
{
    public const string Train = "train";
    public const string Val = "val";
    public const string Test = "test";

    private readonly float[]? _features;

    public FeatureSet(string layer, int[] featureShape, float[] features, int width, string[] paths, int[] labels, string[] splits,
        IReadOnlyList<string> classes, FeatureSource source)
        : this(layer, featureShape, features, width, paths, labels, splits, classes, source, [source.Directory], [], 0, null)
    {
    }

    /// <summary>
    /// A set in memory (<paramref name="features"/> given) or streamed (null: the features stay in <paramref name="groups"/>,
    /// read within <paramref name="memoryBudget"/> bytes).
    /// </summary>
    internal FeatureSet(string layer, int[] featureShape, float[]? features, int width, string[] paths, int[] labels, string[] splits,
        IReadOnlyList<string> classes, FeatureSource source, IReadOnlyList<string> directories, IReadOnlyList<FeatureGroup> groups, long memoryBudget,
        int[]? views)
    {
        views ??= new int[paths.Length];
        if (views.Length != paths.Length) throw new ArgumentException("Feature, path and view arrays disagree on the row count.");
        Views = views;
        if (width <= 0 || labels.Length != paths.Length || splits.Length != paths.Length || (features is not null && features.Length != (long)paths.Length * width))
            throw new ArgumentException("Feature, path, label and split arrays disagree on the row count.");
        (Layer, FeatureShape, _features, Width, Paths, Labels, Splits, Classes, Source, Directories, Groups, MemoryBudget) =
            (layer, featureShape, features, width, paths, labels, splits, classes, source, directories, groups, memoryBudget);
        string size = $"{Rows:N0} rows x {Width:N0} floats = {(double)Rows * Width * sizeof(float) / 1e6:N1} MB";
        string budget = $"the `MaxMemory` budget of {memoryBudget / 1e6:N1} MB";
        Storage = features is not null
            ? memoryBudget > 0 ? $"in memory ({size}, within {budget})" : $"in memory ({size})"
            : $"streamed from {groups.Select(g => g.Shard).Distinct().Count()} shards ({size}, " +
              $"{((long)Rows * Width > Array.MaxLength ? "more floats than one .NET array holds" : $"over {budget}")})";
    }

    /// <summary>Loads one layer of the feature-set directory written by the extractor into memory (see <see cref="FeatureSetReader"/>).</summary>
    public static FeatureSet Load(string directory, string? layer = null, bool allowPartial = false) => FeatureSetReader.Read(directory, layer, allowPartial);

    /// <summary>
    /// Opens one layer of the union of <paramref name="directories"/> (e.g. meta/train.txt and meta/test.txt extracted
    /// separately: their split column tells them apart), in memory when it fits <see cref="FeatureSetOptions.MaxMemory"/>,
    /// streamed otherwise. The folders must come from the same model, layer, preprocessing and class list.
    /// </summary>
    /// <exception cref="OnnxTransferException">A folder is missing, damaged or unfinished, or two folders do not match (both are named).</exception>
    public static FeatureSet Open(IReadOnlyList<string> directories, FeatureSetOptions? options = null) =>
        FeatureSetReader.Open(directories, options ?? new FeatureSetOptions());

    /// <inheritdoc cref="Open(IReadOnlyList{string}, FeatureSetOptions?)"/>
    public static FeatureSet Open(string directory, FeatureSetOptions? options = null) => Open([directory], options);

    /// <summary>
    /// Checks a feature folder as a whole without loading it: whether every shard task has finished, whether every
    /// input image is there exactly once (a row or an error), and whether every part belongs (same settings, shard count,
    /// model and class list as the manifest). Unlike <see cref="Open(string, FeatureSetOptions?)"/>, it reports every problem it finds.
    /// </summary>
    /// <exception cref="OnnxTransferException">The folder or its manifest is missing or unreadable.</exception>
    public static FeatureSetVerification Verify(string directory) => FeatureSetVerifier.Verify(directory);

    /// <summary>True when <paramref name="path"/> is a folder written by <c>extract</c> (its manifest and class list are there), not a folder of photos.</summary>
    public static bool IsFeatureFolder(string path) =>
        Directory.Exists(path) && File.Exists(Path.Combine(path, FeatureSetManifest.ManifestFile)) && File.Exists(Path.Combine(path, FeatureFormat.ClassesFile));

    /// <summary>The feature layers a feature-set directory holds (a run of <c>extract</c> with several layers), in column order.</summary>
    public static IReadOnlyList<string> Layers(string directory) => FeatureSetReader.Layers(directory);

    /// <summary>Things about the set the user should hear before training on it (e.g. it is partial).</summary>
    public List<string> Warnings { get; } = [];

    public string Layer { get; }

    /// <summary>Shape of one row before flattening (NHWC order without N), e.g. [7, 7, 256].</summary>
    public int[] FeatureShape { get; }

    /// <summary>True when <see cref="Features"/> holds every row; false for a streamed set.</summary>
    public bool InMemory => _features is not null;

    /// <summary>Where the features are and why, in a line: "in memory (...)" or "streamed from N shards (..., over the budget)".</summary>
    public string Storage { get; }

    /// <summary>The budget the set was opened with (<see cref="FeatureSetOptions.MaxMemory"/>): what a streamed set's readers may hold; 0 after <see cref="Load"/>.</summary>
    public long MemoryBudget { get; }

    /// <summary>All rows' features, row-major.</summary>
    /// <exception cref="InvalidOperationException">The set is streamed (<see cref="InMemory"/> is false).</exception>
    public float[] Features => _features ?? throw new InvalidOperationException($"Feature set '{Source.Directory}' is streamed, not in memory ({Storage}).");

    public int Width { get; }
    public int Rows => Paths.Length;
    public string[] Paths { get; }

    /// <summary>Class index per row, -1 for unlabelled rows.</summary>
    public int[] Labels { get; }

    /// <summary>"train", "val", "test" or "" per row.</summary>
    public string[] Splits { get; }

    /// <summary>
    /// Per row, 0 for an image itself and 1..K for its augmented views (extraction with augmentation; training draws one
    /// view of each image per epoch, everything else uses view 0). All 0 in a set extracted without augmentation.
    /// </summary>
    public int[] Views { get; }

    public IReadOnlyList<string> Classes { get; }

    /// <summary>The first folder's provenance (all folders of a union share model, layer and preprocessing).</summary>
    public FeatureSource Source { get; }

    /// <summary>The feature-set folders the rows come from, in row order.</summary>
    public IReadOnlyList<string> Directories { get; }

    /// <summary>A streamed set's row groups, in row order (empty in memory).</summary>
    internal IReadOnlyList<FeatureGroup> Groups { get; }

    /// <summary>The index in <see cref="Groups"/> of the row group holding <paramref name="row"/> (a binary search: groups are in row order).</summary>
    internal int GroupOf(int row)
    {
        int lo = 0, hi = Groups.Count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (Groups[mid].FirstRow <= row) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    public ReadOnlySpan<float> Row(int index) => Features.AsSpan(index * Width, Width);

    /// <summary>Indices of labelled rows whose split is <paramref name="split"/>, images themselves only (view 0).</summary>
    public int[] RowsOf(string split) => Enumerable.Range(0, Rows).Where(i => Splits[i] == split && Labels[i] >= 0 && Views[i] == 0).ToArray();
}
