using System.Text.Json;
using OnnxTransfer.Features;
using Parquet;
using Parquet.Schema;

namespace OnnxTransfer.HeadTrainer.Data;

/// <summary>Reads the extractor's Parquet shards (FeatureFormat) into a <see cref="FeatureSet"/>, checking them as it goes.</summary>
public static class FeatureSetReader
{
    /// <summary>Feature layers stored in the directory, from the first shard's metadata.</summary>
    public static IReadOnlyList<string> Layers(string directory)
    {
        var meta = Metadata(Shards(directory)[0]);
        return JsonSerializer.Deserialize<string[]>(Get(meta, FeatureFormat.LayersKey, directory)) ?? [];
    }

    /// <summary>
    /// Loads <paramref name="layer"/> (default: the only layer). Refuses a set bigger than the memory the GC can
    /// use, features with NaN or infinity, rows of the wrong width, and shards from different extractions.
    /// </summary>
    public static FeatureSet Read(string directory, string? layer = null)
    {
        var shards = Shards(directory);
        var meta = Metadata(shards[0]);
        var layers = JsonSerializer.Deserialize<string[]>(Get(meta, FeatureFormat.LayersKey, directory)) ?? [];
        if (layer is null)
        {
            if (layers.Length != 1)
                throw new OnnxTransferException($"Feature set '{directory}' has layers {string.Join(", ", layers)}; choose one with --layer NAME.");
            layer = layers[0];
        }
        else if (!layers.Contains(layer))
            throw new OnnxTransferException($"Layer '{layer}' is not in feature set '{directory}'; available: {string.Join(", ", layers)}.");

        var shapes = JsonSerializer.Deserialize<Dictionary<string, int[]>>(Get(meta, FeatureFormat.FeatureShapesKey, directory)) ?? [];
        int[] shape = shapes.TryGetValue(layer, out var s) ? s : throw new OnnxTransferException($"Feature set '{directory}' has no shape for layer '{layer}'; re-extract it.");
        long width = shape.Aggregate(1L, (a, b) => a * b);
        var classes = ReadClasses(directory);
        var source = Source(directory, meta, layer);

        using var readers = new ShardReaders(shards);
        long rows = readers.RowCount;
        CheckMemory(directory, rows, width);
        var features = new float[rows * width];
        var paths = new List<string>((int)rows);
        var labels = new List<int>((int)rows);
        var splits = new List<string>((int)rows);
        // Level buffers reused across row groups: fresh ones per group, like a staging copy of the values,
        // cost more in page faults than the read itself for wide layers (block2_pool: 1.6 MB a row).
        int[] definitions = [], repetitions = [];
        foreach (var (file, reader) in readers.Items)
        {
            string hash = reader.CustomMetadata.TryGetValue(FeatureFormat.ModelHashKey, out var h) ? h : "";
            if (hash != source.ModelSha256)
                throw new OnnxTransferException($"Shard '{file}' was extracted with a different model (sha256 {hash}) than the first shard ({source.ModelSha256}); re-extract '{directory}'.");
            var fields = reader.Schema.Fields;
            var list = fields.OfType<ListField>().FirstOrDefault(f => f.Name == FeatureFormat.FeatureColumn(layer))
                ?? throw new OnnxTransferException($"Shard '{file}' has no column '{FeatureFormat.FeatureColumn(layer)}'; re-extract '{directory}'.");
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                int n = (int)group.RowCount;
                var p = new string?[n];
                var lab = new int[n];
                var sp = new string?[n];
                group.ReadAsync(Field<string>(fields, FeatureFormat.PathColumn, file), p.AsMemory(), null).GetAwaiter().GetResult();
                group.ReadAsync<int>(Field<int>(fields, FeatureFormat.LabelIndexColumn, file), lab.AsMemory(), null).GetAwaiter().GetResult();
                group.ReadAsync(Field<string>(fields, FeatureFormat.SplitColumn, file), sp.AsMemory(), null).GetAwaiter().GetResult();
                int first = paths.Count;
                ReadList(group, (DataField)list.Item, n, width, features.AsMemory((int)(first * width), (int)(n * width)), ref definitions, ref repetitions,
                         file, layer, directory);
                for (int r = 0; r < n; r++)
                {
                    if (repetitions[(int)(r * width)] != 0)
                        throw new OnnxTransferException($"Shard '{file}' row '{p[r]}' does not have {width} features in layer '{layer}' (mismatched feature widths); re-extract '{directory}'.");
                    var row = features.AsSpan((int)((first + r) * width), (int)width);
                    int bad = IndexOfNonFinite(row);
                    if (bad >= 0)
                        throw new OnnxTransferException($"Shard '{file}' row '{p[r]}' has a non-finite feature ({row[bad]}) at index {bad} of layer '{layer}'; fix or remove that image and re-extract.");
                }
                paths.AddRange(p.Select(x => x ?? ""));
                labels.AddRange(lab);
                splits.AddRange(sp.Select(x => x ?? ""));
            }
        }
        foreach (int l in labels)
            if (l >= classes.Count)
                throw new OnnxTransferException($"Feature set '{directory}' has label index {l} but classes.json lists {classes.Count} classes.");
        return new FeatureSet(layer, shape, features, (int)width, [.. paths], [.. labels], [.. splits], classes, source);
    }

    /// <summary>Throws when rows x width float32 (plus a copy's worth of headroom) does not fit the memory the GC may use.</summary>
    public static void CheckMemory(string directory, long rows, long width)
    {
        long bytes = rows * width * sizeof(float);
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytes > available / 2 || rows * width > Array.MaxLength)
            throw new OnnxTransferException(
                $"Feature set '{directory}' needs {bytes / (1 << 20):N0} MiB ({rows:N0} rows x {width:N0} floats) but only {available / (1 << 20):N0} MiB is available; " +
                "extract a pooled layer (--pool avg) or fewer images.");
    }

    /// <summary>
    /// Reads a list&lt;float&gt; column expected to hold n lists of width values (any other count is a width
    /// mismatch) straight into <paramref name="target"/>, its levels into the buffers, grown when too small.
    /// </summary>
    private static void ReadList(ParquetRowGroupReader group, DataField item, int n, long width, Memory<float> target,
        ref int[] definitions, ref int[] repetitions, string file, string layer, string directory)
    {
        long expected = n * width;
        long stored = group.GetMetadata(item)?.MetaData?.NumValues ?? expected;
        if (stored != expected)
            throw new OnnxTransferException($"Shard '{file}' has {stored} feature values for {n} rows of width {width} in layer '{layer}' (mismatched feature widths); re-extract '{directory}'.");
        if (definitions.Length < expected)
        {
            definitions = new int[expected];
            repetitions = new int[expected];
        }
        group.ReadRawAsync(item, target, definitions.AsMemory(0, (int)expected), repetitions.AsMemory(0, (int)expected)).GetAwaiter().GetResult();
    }

    private static int IndexOfNonFinite(ReadOnlySpan<float> row)
    {
        for (int i = 0; i < row.Length; i++)
            if (!float.IsFinite(row[i])) return i;
        return -1;
    }

    private static DataField Field<T>(IReadOnlyList<Field> fields, string name, string file) =>
        fields.OfType<DataField>().FirstOrDefault(f => f.Name == name)
        ?? throw new OnnxTransferException($"Shard '{file}' has no column '{name}'; it was not written by onnx-transfer extract.");

    private static string[] Shards(string directory)
    {
        if (!Directory.Exists(directory))
            throw new OnnxTransferException($"Feature directory '{directory}' does not exist; create it with onnx-transfer extract.");
        var shards = Directory.GetFiles(directory, FeatureFormat.ShardPattern).Order(StringComparer.Ordinal).ToArray();
        return shards.Length > 0 ? shards
            : throw new OnnxTransferException($"Feature directory '{directory}' has no {FeatureFormat.ShardPattern} files; create it with onnx-transfer extract.");
    }

    private static IReadOnlyDictionary<string, string> Metadata(string shard)
    {
        var reader = Open(shard);
        try { return reader.CustomMetadata.ToDictionary(); }
        finally { reader.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    private static ParquetReader Open(string shard)
    {
        try
        {
            return ParquetReader.CreateAsync(shard).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ParquetException)
        {
            throw new OnnxTransferException($"Shard '{shard}' is not a readable Parquet file ({e.Message}); re-extract it.");
        }
    }

    private static string Get(IReadOnlyDictionary<string, string> meta, string key, string directory) =>
        meta.TryGetValue(key, out var v) ? v : throw new OnnxTransferException($"Feature set '{directory}' lacks metadata '{key}'; it was not written by onnx-transfer extract.");

    private static IReadOnlyList<string> ReadClasses(string directory)
    {
        string path = Path.Combine(directory, FeatureFormat.ClassesFile);
        if (!File.Exists(path)) throw new OnnxTransferException($"Feature set '{directory}' has no {FeatureFormat.ClassesFile}; re-extract it.");
        return JsonSerializer.Deserialize<string[]>(File.ReadAllText(path))
            ?? throw new OnnxTransferException($"'{path}' is not a JSON list of class names.");
    }

    private static FeatureSource Source(string directory, IReadOnlyDictionary<string, string> meta, string layer)
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

    /// <summary>All shards open at once, so the row count is known before the feature array is allocated.</summary>
    private sealed class ShardReaders : IDisposable
    {
        public ShardReaders(string[] shards) => Items = shards.Select(s => (s, Open(s))).ToList();

        public List<(string File, ParquetReader Reader)> Items { get; }

        public long RowCount => Items.Sum(i => Enumerable.Range(0, i.Reader.RowGroupCount).Sum(g => i.Reader.RowGroups[g].RowCount));

        public void Dispose()
        {
            foreach (var (_, reader) in Items) reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
