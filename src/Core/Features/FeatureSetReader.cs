using System.Text.Json;

namespace OnnxTransfer.Features;

/// <summary>Reads the extractor's Parquet shards (FeatureFormat) into a <see cref="FeatureSet"/>, checking them as it goes.</summary>
internal static class FeatureSetReader
{
    /// <summary>Feature layers stored in the directory, from the first shard's metadata.</summary>
    public static IReadOnlyList<string> Layers(string directory)
    {
        var meta = Metadata(Verified(directory, allowPartial: true).Shards[0].File, directory);
        return JsonSerializer.Deserialize<string[]>(Get(meta, FeatureFormat.LayersKey, directory)) ?? [];
    }

    /// <summary>
    /// Loads <paramref name="layer"/> (default: the only layer) into memory. Refuses a set that is incomplete (unless
    /// <paramref name="allowPartial"/>) or whose shards differ from what the extractor recorded (size, SHA-256), a set
    /// bigger than the memory the GC can use, features with NaN or infinity, rows of the wrong width, labels outside
    /// classes.json or not matching it, and shards from different extractions (another model, another dtype).
    /// </summary>
    public static FeatureSet Read(string directory, string? layer = null, bool allowPartial = false) =>
        Read([directory], new FeatureSetOptions { Layer = layer, AllowPartial = allowPartial }, stream: false);

    /// <summary>
    /// The union of <paramref name="directories"/>, with Read's checks, in memory when its float32 features fit the
    /// budget and one array, else streamed: then only the rows' identities are read here (and checked), the features
    /// are read by <see cref="RowStream"/>.
    /// </summary>
    public static FeatureSet Open(IReadOnlyList<string> directories, FeatureSetOptions options)
    {
        long budget = options.MaxMemory ?? FeatureSetOptions.DefaultMaxMemory;
        if (budget < 1) throw new OnnxTransferException($"`MaxMemory` {budget} must be at least 1 byte.");
        var folders = Folders(directories, options);
        long floats = folders.Sum(f => f.Rows) * folders[0].Width;
        return Read(folders, options, budget, stream: floats * sizeof(float) > budget || floats > Array.MaxLength);
    }

    /// <summary>The union streamed whatever its size, read within <paramref name="budget"/> bytes: tests and benchmarks compare it with memory.</summary>
    internal static FeatureSet OpenStreamed(IReadOnlyList<string> directories, FeatureSetOptions options, long budget) =>
        Read(Folders(directories, options), options, budget, stream: true);

    private static FeatureSet Read(IReadOnlyList<string> directories, FeatureSetOptions options, bool stream) =>
        Read(Folders(directories, options), options, 0, stream);

    /// <summary>One folder of a union, verified, with what must agree across folders.</summary>
    private sealed record Folder(string Directory, FeatureSetManifest.Contents Contents, string Layer, int[] Shape, int Width, string[] Classes, FeatureSource Source)
    {
        public long Rows => Contents.Shards.Sum(sh => (long)sh.Record.Rows);
    }

    private static List<Folder> Folders(IReadOnlyList<string> directories, FeatureSetOptions options)
    {
        if (directories.Count == 0) throw new OnnxTransferException("No feature folder given; pass at least one folder written by onnx-transfer extract.");
        var duplicate = directories.GroupBy(d => Path.GetFullPath(d).TrimEnd(Path.DirectorySeparatorChar)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new OnnxTransferException($"Feature folder '{duplicate.First()}' is given twice; its rows would count twice.");
        var folders = directories.Select(d => OpenFolder(d, options.Layer, options.AllowPartial)).ToList();
        var first = folders[0];
        foreach (var other in folders.Skip(1)) CheckSameKind(first, other);
        return folders;
    }

    private static Folder OpenFolder(string directory, string? layer, bool allowPartial)
    {
        var contents = Verified(directory, allowPartial);
        var meta = Metadata(contents.Shards[0].File, directory);
        var layers = JsonSerializer.Deserialize<string[]>(Get(meta, FeatureFormat.LayersKey, directory)) ?? [];
        if (layer is null)
        {
            if (layers.Length != 1)
                throw new OnnxTransferException($"Feature set '{directory}' has layers {string.Join(", ", layers)}; choose one (`Layer`).");
            layer = layers[0];
        }
        else if (!layers.Contains(layer))
            throw new OnnxTransferException($"Layer '{layer}' is not in feature set '{directory}'; available: {string.Join(", ", layers)}.");

        var shapes = JsonSerializer.Deserialize<Dictionary<string, int[]>>(Get(meta, FeatureFormat.FeatureShapesKey, directory)) ?? [];
        int[] shape = shapes.TryGetValue(layer, out var s) ? s : throw new OnnxTransferException($"Feature set '{directory}' has no shape for layer '{layer}'; re-extract it.");
        long width = shape.Aggregate(1L, (a, b) => a * b);
        if (width is < 1 or > int.MaxValue) throw new OnnxTransferException($"Feature set '{directory}' layer '{layer}' has {width} features a row; re-extract it.");
        return new Folder(directory, contents, layer, shape, (int)width, ReadClasses(directory), Source(directory, meta, layer));
    }

    /// <summary>Folders of one union must be interchangeable: same backbone, layer, pooling, preprocessing and classes.</summary>
    private static void CheckSameKind(Folder a, Folder b)
    {
        void Same(string what, string x, string y)
        {
            if (x != y)
                throw new OnnxTransferException(
                    $"Feature folders '{a.Directory}' and '{b.Directory}' differ in {what} ('{x}' vs '{y}'); train on folders extracted with the same model and options.");
        }
        Same("layer", a.Layer, b.Layer);
        Same("model (sha256)", a.Source.ModelSha256, b.Source.ModelSha256);
        Same("feature shape", string.Join('x', a.Shape), string.Join('x', b.Shape));
        foreach (var (what, x, y) in a.Source.ImageSettings(b.Source)) Same(what, x, y);
        if (!a.Classes.SequenceEqual(b.Classes))
            throw new OnnxTransferException(
                $"Feature folders '{a.Directory}' and '{b.Directory}' have different class lists ({a.Classes.Length} vs {b.Classes.Length} classes in {FeatureFormat.ClassesFile}); " +
                "extract them with the same class list (the same class folders, or list files naming the same classes).");
    }

    /// <summary>Reads every shard's identity columns (and, unless <paramref name="stream"/>, its features), checking each row.</summary>
    private static FeatureSet Read(List<Folder> folders, FeatureSetOptions options, long budget, bool stream)
    {
        var first = folders[0];
        long rows = folders.Sum(f => f.Rows);
        long width = first.Width;
        if (!stream) CheckMemory(first.Directory, rows, width);
        var features = stream ? null : new float[rows * width];
        var paths = new List<string>((int)Math.Min(rows, int.MaxValue));
        var labels = new List<int>(paths.Capacity);
        var splits = new List<string>(paths.Capacity);
        var views = new List<int>(paths.Capacity);
        var groups = new List<FeatureGroup>();
        var levels = new LevelBuffers();
        foreach (var folder in folders)
        {
            string fix = $"re-extract '{folder.Directory}'";
            FeatureDtype? dtype = null; // the folder's first shard's
            foreach (var (file, record) in folder.Contents.Shards)
            {
                using var reader = ShardReader.Open(file, fix, levels);
                string hash = reader.Metadata.TryGetValue(FeatureFormat.ModelHashKey, out var h) ? h : "";
                if (hash != folder.Source.ModelSha256)
                    throw new OnnxTransferException($"Shard '{file}' was extracted with a different model (sha256 {hash}) than the first shard ({folder.Source.ModelSha256}); {fix}.");
                dtype ??= reader.Dtype;
                if (reader.Dtype != dtype)
                    throw new OnnxTransferException($"Shard '{file}' holds {FeatureFormat.Name(reader.Dtype)} features but shard '{folder.Contents.Shards[0].File}' holds " +
                                                    $"{FeatureFormat.Name(dtype.Value)} (one feature set, one `Dtype`); {fix} with `Overwrite`.");
                if (reader.RowCount != record.Rows)
                    throw new OnnxTransferException($"Shard '{file}' holds {reader.RowCount} rows but its record says {record.Rows}; {fix}.");
                var info = new FileInfo(file);
                for (int g = 0; g < reader.RowGroupCount; g++)
                {
                    int n = reader.GroupRows(g);
                    var layers = features is null ? [] : new[] { (first.Layer, width, features.AsMemory((int)(paths.Count * width), (int)(n * width))) };
                    var keys = reader.ReadGroup(g, layers);
                    groups.Add(new FeatureGroup(file, g, paths.Count, n, info.Length, info.LastWriteTimeUtc));
                    foreach (var key in keys)
                    {
                        CheckLabel(file, key, folder.Classes, folder.Directory);
                        paths.Add(key.Path);
                        labels.Add(key.LabelIndex);
                        splits.Add(key.Split);
                        views.Add(key.View);
                    }
                }
            }
        }
        var set = new FeatureSet(first.Layer, first.Shape, features, (int)width, [.. paths], [.. labels], [.. splits], first.Classes, first.Source,
            folders.Select(f => f.Directory).ToList(), stream ? groups : [], budget, [.. views]);
        foreach (var folder in folders.Where(f => f.Contents.Unfinished.Count > 0))
            set.Warnings.Add($"only {folder.Contents.Shards.Count} of {folder.Contents.ExpectedShards} shards of '{folder.Directory}' are finished; training on those (`AllowPartial`)");
        return set;
    }

    /// <summary>The set's finished shards, checked against the extractor's records (<see cref="FeatureSetManifest.Verify"/>).</summary>
    private static FeatureSetManifest.Contents Verified(string directory, bool allowPartial)
    {
        if (!Directory.Exists(directory))
            throw new OnnxTransferException($"Feature directory '{directory}' does not exist; create it with onnx-transfer extract.");
        var contents = FeatureSetManifest.Verify(directory, allowPartial);
        return contents.Shards.Count > 0 ? contents
            : throw new OnnxTransferException($"Feature directory '{directory}' has no {FeatureFormat.ShardPattern} files with rows; create it with onnx-transfer extract.");
    }

    /// <summary>A row's label must be unlabelled (-1, "") or a class of classes.json under its own name: labels never shift.</summary>
    private static void CheckLabel(string file, RowKey key, string[] classes, string directory)
    {
        if (key.LabelIndex == FeatureFormat.NoLabel && key.Label.Length == 0) return;
        if (key.LabelIndex < 0 || key.LabelIndex >= classes.Length)
            throw new OnnxTransferException(
                $"Shard '{file}' row '{key.Path}' has label index {key.LabelIndex}, outside the {classes.Length} classes of {FeatureFormat.ClassesFile}; re-extract '{directory}'.");
        if (classes[key.LabelIndex] != key.Label)
            throw new OnnxTransferException(
                $"Shard '{file}' row '{key.Path}' is labelled '{key.Label}' but its index {key.LabelIndex} is '{classes[key.LabelIndex]}' in {FeatureFormat.ClassesFile} " +
                $"(the class list changed after it was written); re-extract '{directory}' with `Overwrite`.");
    }

    /// <summary>Throws when rows x width float32 (plus a copy's worth of headroom) does not fit the memory the GC may use.</summary>
    public static void CheckMemory(string directory, long rows, long width)
    {
        long bytes = rows * width * sizeof(float);
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytes > available / 2 || rows * width > Array.MaxLength)
            throw new OnnxTransferException(
                $"Feature set '{directory}' needs {bytes / (1 << 20):N0} MiB ({rows:N0} rows x {width:N0} floats) but only {available / (1 << 20):N0} MiB is available; " +
                "extract a pooled layer (`Pool` avg) or fewer images.");
    }

    private static Dictionary<string, string> Metadata(string shard, string directory)
    {
        using var reader = ShardReader.Open(shard, $"re-extract '{directory}'");
        return reader.Metadata.ToDictionary();
    }

    private static string Get(Dictionary<string, string> meta, string key, string directory) =>
        meta.TryGetValue(key, out var v) ? v : throw new OnnxTransferException($"Feature set '{directory}' lacks metadata '{key}'; it was not written by onnx-transfer extract.");

    private static string[] ReadClasses(string directory)
    {
        string path = Path.Combine(directory, FeatureFormat.ClassesFile);
        if (!File.Exists(path)) throw new OnnxTransferException($"Feature set '{directory}' has no {FeatureFormat.ClassesFile}; re-extract it.");
        return JsonSerializer.Deserialize<string[]>(File.ReadAllText(path))
            ?? throw new OnnxTransferException($"'{path}' is not a JSON list of class names.");
    }

    private static FeatureSource Source(string directory, Dictionary<string, string> meta, string layer)
    {
        string Opt(string key) => meta.TryGetValue(key, out var v) ? v : "";
        var pools = meta.TryGetValue(FeatureFormat.PoolKey, out var pj) ? JsonSerializer.Deserialize<Dictionary<string, string>>(pj) : null;
        return new FeatureSource
        {
            Directory = Path.GetFullPath(directory),
            Model = Opt(FeatureFormat.ModelNameKey),
            ModelSha256 = Opt(FeatureFormat.ModelHashKey),
            Preprocess = Opt(FeatureFormat.PreprocessKey),
            InputSize = int.TryParse(Opt(FeatureFormat.InputSizeKey), out int size) ? size : 0,
            Resize = Opt(FeatureFormat.ResizeKey),
            Interpolation = Opt(FeatureFormat.InterpolationKey),
            CropFraction = Opt(FeatureFormat.CropFractionKey),
            Pool = pools is not null && pools.TryGetValue(layer, out var pool) ? pool : "",
            RandomWeights = Opt(FeatureFormat.RandomWeightsKey) == "true",
            Weights = Opt(FeatureFormat.WeightsKey),
        };
    }
}
