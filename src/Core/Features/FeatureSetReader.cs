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
    /// Loads <paramref name="layer"/> (default: the only layer). Refuses a set that is incomplete (unless
    /// <paramref name="allowPartial"/>) or whose shards differ from what the extractor recorded (size, SHA-256), a set
    /// bigger than the memory the GC can use, features with NaN or infinity, rows of the wrong width, labels outside
    /// classes.json or not matching it, and shards from different extractions.
    /// </summary>
    public static FeatureSet Read(string directory, string? layer = null, bool allowPartial = false)
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
        var classes = ReadClasses(directory);
        var source = Source(directory, meta, layer);
        string fix = $"re-extract '{directory}'";

        long rows = contents.Shards.Sum(sh => (long)sh.Record.Rows);
        CheckMemory(directory, rows, width);
        var features = new float[rows * width];
        var paths = new List<string>((int)rows);
        var labels = new List<int>((int)rows);
        var splits = new List<string>((int)rows);
        foreach (var (file, record) in contents.Shards)
        {
            using var reader = ShardReader.Open(file, fix);
            string hash = reader.Metadata.TryGetValue(FeatureFormat.ModelHashKey, out var h) ? h : "";
            if (hash != source.ModelSha256)
                throw new OnnxTransferException($"Shard '{file}' was extracted with a different model (sha256 {hash}) than the first shard ({source.ModelSha256}); {fix}.");
            if (reader.RowCount != record.Rows)
                throw new OnnxTransferException($"Shard '{file}' holds {reader.RowCount} rows but its record says {record.Rows}; {fix}.");
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                int n = reader.GroupRows(g);
                var keys = reader.ReadGroup(g, [(layer, width, features.AsMemory((int)(paths.Count * width), (int)(n * width)))]);
                foreach (var key in keys)
                {
                    CheckLabel(file, key, classes, directory);
                    paths.Add(key.Path);
                    labels.Add(key.LabelIndex);
                    splits.Add(key.Split);
                }
            }
        }
        var set = new FeatureSet(layer, shape, features, (int)width, [.. paths], [.. labels], [.. splits], classes, source);
        if (contents.Unfinished.Count > 0)
            set.Warnings.Add($"only {contents.Shards.Count} of {contents.ExpectedShards} shards are finished; training on those (`AllowPartial`)");
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
            Pool = pools is not null && pools.TryGetValue(layer, out var pool) ? pool : "",
            RandomWeights = Opt(FeatureFormat.RandomWeightsKey) == "true",
            Weights = Opt(FeatureFormat.WeightsKey),
        };
    }
}
