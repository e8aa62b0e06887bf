using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace OnnxTransfer.Features;

/// <summary>
/// Reads one feature shard (FeatureFormat's columns) a row group at a time, checking what it reads: the identity
/// columns of every row, and chosen layers' features straight into the caller's arrays. Every problem is an
/// <see cref="OnnxTransferException"/> naming the shard, the row and the fix. The trainer's reader and the
/// extractor's resume both read shards through this one class, beside <see cref="FeatureWriter"/>, so the
/// format has one owner. It is synchronous, like its callers (a training run reads its set before the first
/// epoch); Parquet.Net's ValueTasks are awaited through AsTask, the only safe way to block on a ValueTask.
/// </summary>
internal sealed class ShardReader : IDisposable
{
    private readonly ParquetReader _reader;
    private readonly string _fix;
    private readonly LevelBuffers _levels;

    private ShardReader(string path, ParquetReader reader, string fix, LevelBuffers? levels)
    {
        Path = path;
        _reader = reader;
        _fix = fix;
        _levels = levels ?? new LevelBuffers();
        Dtype = DtypeOf(reader.CustomMetadata, path, fix);
    }

    public string Path { get; }

    /// <summary>The precision the shard's features are stored in (<see cref="FeatureFormat.DtypeKey"/>); they are read as float32 either way.</summary>
    public FeatureDtype Dtype { get; }

    /// <summary>The dtype shard <paramref name="path"/>'s <paramref name="metadata"/> records: float32 when it records none (written before dtypes existed).</summary>
    public static FeatureDtype DtypeOf(IReadOnlyDictionary<string, string> metadata, string path, string fix) =>
        !metadata.TryGetValue(FeatureFormat.DtypeKey, out var name) ? FeatureDtype.Float32
        : FeatureFormat.ParseDtype(name) ?? throw new OnnxTransferException(
            $"Shard '{path}' records dtype '{name}' ({FeatureFormat.DtypeKey}), which this version does not know (float32, float16); {fix}.");

    /// <summary>The shard's key-value metadata (FeatureFormat's keys).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _reader.CustomMetadata;

    public int RowGroupCount => _reader.RowGroupCount;

    public long RowCount => Enumerable.Range(0, _reader.RowGroupCount).Sum(g => _reader.RowGroups[g].RowCount);

    /// <summary>
    /// Opens <paramref name="path"/>; <paramref name="fix"/> ends every message ("re-extract 'features/'"). Readers opened one
    /// after another (a streamed epoch opens every shard for each window) share <paramref name="levels"/>.
    /// </summary>
    public static ShardReader Open(string path, string fix, LevelBuffers? levels = null)
    {
        try
        {
            var reader = ParquetReader.CreateAsync(path).GetAwaiter().GetResult();
            try { return new ShardReader(path, reader, fix, levels); }
            catch
            {
                reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
                throw;
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ParquetException or NotSupportedException or IndexOutOfRangeException or InvalidOperationException)
        {
            throw new OnnxTransferException($"Shard '{path}' is not a readable Parquet file ({Reason(e)}); {fix}.", e);
        }
    }

    /// <summary>Rows of row group <paramref name="group"/>.</summary>
    public int GroupRows(int group) => checked((int)_reader.RowGroups[group].RowCount);

    /// <summary>True when the shard has the feature column of <paramref name="layer"/>.</summary>
    public bool HasLayer(string layer) => _reader.Schema.Fields.OfType<ListField>().Any(f => f.Name == FeatureFormat.FeatureColumn(layer));

    /// <summary>
    /// Reads row group <paramref name="group"/>: returns its rows' identity columns and writes each layer's
    /// features (GroupRows x width floats, row after row) into its target.
    /// </summary>
    public RowKey[] ReadGroup(int group, IReadOnlyList<(string Layer, long Width, Memory<float> Target)> layers)
    {
        try
        {
            return Read(group, layers);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ParquetException or NotSupportedException or IndexOutOfRangeException
                                       or InvalidOperationException or ArgumentException or OverflowException)
        {
            // A damaged shard fails inside decompression or decoding, where only the library knows what broke.
            throw new OnnxTransferException($"Shard '{Path}' row group {group} cannot be read ({Reason(e)}); the file is damaged: {_fix}.", e);
        }
    }

    private RowKey[] Read(int group, IReadOnlyList<(string Layer, long Width, Memory<float> Target)> layers)
    {
        var fields = _reader.Schema.Fields;
        using var rows = _reader.OpenRowGroupReader(group);
        int n = checked((int)rows.RowCount);
        var paths = new string?[n];
        var labels = new string?[n];
        var splits = new string?[n];
        rows.ReadAsync(Field(fields, FeatureFormat.PathColumn), paths.AsMemory(), null).AsTask().GetAwaiter().GetResult();
        rows.ReadAsync(Field(fields, FeatureFormat.LabelColumn), labels.AsMemory(), null).AsTask().GetAwaiter().GetResult();
        rows.ReadAsync(Field(fields, FeatureFormat.SplitColumn), splits.AsMemory(), null).AsTask().GetAwaiter().GetResult();
        var indices = ReadLabelIndices(rows, Field(fields, FeatureFormat.LabelIndexColumn), n, paths);
        var views = new int[n];
        if (fields.OfType<DataField>().FirstOrDefault(f => f.Name == FeatureFormat.ViewColumn) is { } view)
            rows.ReadAsync<int>(view, views.AsMemory(), null).AsTask().GetAwaiter().GetResult();
        foreach (var (layer, width, target) in layers) ReadLayer(rows, fields, layer, n, width, target, paths);
        var keys = new RowKey[n];
        for (int r = 0; r < n; r++) keys[r] = new RowKey(paths[r] ?? "", labels[r] ?? "", indices[r], splits[r] ?? "", views[r]);
        return keys;
    }

    private int[] ReadLabelIndices(ParquetRowGroupReader rows, DataField field, int n, string?[] paths)
    {
        var indices = new int[n];
        if (!field.IsNullable)
        {
            rows.ReadAsync<int>(field, indices.AsMemory(), null).AsTask().GetAwaiter().GetResult();
            return indices;
        }
        // Another tool may rewrite the column as nullable; nulls cannot be labels, anything else is fine.
        var nullable = new int?[n];
        rows.ReadAsync<int>(field, nullable.AsMemory(), null).AsTask().GetAwaiter().GetResult();
        for (int r = 0; r < n; r++)
            indices[r] = nullable[r] ?? throw new OnnxTransferException(
                $"Shard '{Path}' row '{paths[r]}' has no {FeatureFormat.LabelIndexColumn} (null; the file was rewritten by another tool); {_fix}.");
        return indices;
    }

    /// <summary>
    /// Reads a list&lt;float&gt; column that must hold n lists of width values straight into <paramref name="target"/>. A float16
    /// shard's column holds float16 values already widened to float32 (see <see cref="FeatureWriter"/>), so it reads the same
    /// way, and each value must be a float16 one: a column that is not what its metadata says is refused.
    /// </summary>
    private void ReadLayer(ParquetRowGroupReader rows, IReadOnlyList<Field> fields, string layer, int n, long width, Memory<float> target, string?[] paths)
    {
        var list = fields.OfType<ListField>().FirstOrDefault(f => f.Name == FeatureFormat.FeatureColumn(layer))
            ?? throw new OnnxTransferException($"Shard '{Path}' has no column '{FeatureFormat.FeatureColumn(layer)}'; {_fix}.");
        var item = (DataField)list.Item;
        long expected = n * width;
        long stored = rows.GetMetadata(item)?.MetaData?.NumValues ?? expected;
        if (stored != expected || target.Length != expected)
            throw new OnnxTransferException($"Shard '{Path}' has {stored} feature values for {n} rows of width {width} in layer '{layer}' (mismatched feature widths); {_fix}.");
        var (definitions, repetitions) = _levels.Get((int)expected);
        rows.ReadRawAsync(item, target, definitions.AsMemory(0, (int)expected), repetitions.AsMemory(0, (int)expected)).AsTask().GetAwaiter().GetResult();
        var values = target.Span;
        for (int r = 0; r < n; r++)
        {
            if (repetitions[(int)(r * width)] != 0)
                throw new OnnxTransferException($"Shard '{Path}' row '{paths[r]}' does not have {width} features in layer '{layer}' (mismatched feature widths); {_fix}.");
            var row = values.Slice((int)(r * width), (int)width);
            int bad = IndexOfNonFinite(row);
            if (bad >= 0)
                throw new OnnxTransferException($"Shard '{Path}' row '{paths[r]}' has a non-finite feature ({row[bad]}) at index {bad} of layer '{layer}'; fix or remove that image and re-extract.");
            if (Dtype == FeatureDtype.Float16 && (bad = IndexOfNonHalf(row)) >= 0)
                throw new OnnxTransferException(
                    $"Shard '{Path}' row '{paths[r]}' has feature {row[bad].ToString(CultureInfo.InvariantCulture)} at index {bad} of layer '{layer}', which is not a float16 value " +
                    $"though the shard's {FeatureFormat.DtypeKey} says float16 (the file was rewritten by another tool); {_fix}.");
        }
    }

    /// <summary>The first value that float16 does not hold exactly (it changes when rounded to float16 and back), or -1.</summary>
    private static int IndexOfNonHalf(ReadOnlySpan<float> row)
    {
        for (int i = 0; i < row.Length; i++)
            if ((float)(Half)row[i] != row[i]) return i;
        return -1;
    }

    private static int IndexOfNonFinite(ReadOnlySpan<float> row)
    {
        for (int i = 0; i < row.Length; i++)
            if (!float.IsFinite(row[i])) return i;
        return -1;
    }

    private DataField Field(IReadOnlyList<Field> fields, string name) =>
        fields.OfType<DataField>().FirstOrDefault(f => f.Name == name)
        ?? throw new OnnxTransferException($"Shard '{Path}' has no column '{name}'; it was not written by onnx-transfer extract.");

    private static string Reason(Exception e) => e.Message.Split('\n', 2)[0].TrimEnd('.');

    public void Dispose() => _reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
}

/// <summary>
/// Parquet level buffers for reading a feature column, grown to the largest row group read and reused: fresh ones per
/// group, like a staging copy of the values, cost more in page faults than the read itself for wide layers (block2_pool:
/// 1.6 MB a row), and a streamed epoch that opened a reader per shard and window would make gigabytes of garbage. One
/// reader at a time uses them.
/// </summary>
internal sealed class LevelBuffers
{
    private int[] _definitions = [], _repetitions = [];

    public (int[] Definitions, int[] Repetitions) Get(int count)
    {
        if (_definitions.Length < count)
        {
            _definitions = new int[count];
            _repetitions = new int[count];
        }
        return (_definitions, _repetitions);
    }
}
