using System.Globalization;
using OnnxTransfer.IO;
using Parquet;
using Parquet.Schema;

namespace OnnxTransfer.Features;

/// <summary>
/// A row's identity columns: the image's path relative to the input, its label, label index (-1: none), split, and
/// view (0: the image itself; 1..K: its augmented views, in a set extracted with augmentation).
/// </summary>
internal sealed record RowKey(string Path, string Label, int LabelIndex, string Split, int View = 0);

/// <summary>Rows for a shard file: per-row identity columns and, per layer, all rows' features back to back.</summary>
internal sealed class ShardRows
{
    public ShardRows(IReadOnlyList<int> featureLengths, int capacity)
    {
        FeatureLengths = featureLengths;
        Capacity = capacity;
        Features = featureLengths.Select(n => new float[(long)n * capacity]).ToArray();
    }

    public IReadOnlyList<int> FeatureLengths { get; }

    /// <summary>Rows the feature arrays hold.</summary>
    public int Capacity { get; }
    public List<RowKey> Items { get; } = [];

    /// <summary>Per layer, Items.Count * FeatureLengths[layer] floats in row order.</summary>
    public float[][] Features { get; }

    public int Count => Items.Count;

    /// <summary>Empties the rows for reuse.</summary>
    public void Clear() => Items.Clear();
}

/// <summary>
/// Writes feature shards as Parquet (FeatureFormat's columns: path, label, label_index, split and one
/// list&lt;float&gt; column per layer), each file atomically, with the run's key-value metadata and its
/// <see cref="FeatureDtype"/>, and says the size and SHA-256 of what it committed (hashed as it was written), for the manifest.
/// </summary>
/// <remarks>
/// Float16 shards keep the FLOAT column and store float16 values in it, with the feature columns BYTE_STREAM_SPLIT
/// encoded and the file zstd-compressed: a float16 value widened to float32 has 13 zero mantissa bits, so its lowest
/// byte stream is all zeros and the next one mostly so, and zstd (which, unlike Snappy, entropy-codes) takes the
/// file to about half of a float32 one, as small as Parquet's FLOAT16 type would be. That type itself
/// (fixed_len_byte_array(2)) is not an option: Parquet.Net 6.1 can neither write nor read it (System.Half is not a
/// supported type), and older readers (pyarrow before 15, DuckDB before 1.3) cannot read it either, while every
/// Parquet reader reads a FLOAT column. zstd runs at its fastest level: at Parquet.Net's default (level 19) a 4 MiB
/// row group took 2.3 s to compress instead of 64 ms, for 1 % fewer bytes (probe, 4096 rows of 256 values).
/// </remarks>
internal sealed class FeatureWriter
{
    /// <summary>
    /// Default bound on a row group's feature bytes, 4 MiB. Parquet.Net builds each column chunk in fresh
    /// buffers the size of the chunk, so large groups cost page faults and copies: writing VGG19 block2_pool
    /// rows (1.5 MiB each) took 6 ms per row in 2-row groups and 10-23 ms in 40-row (61 MiB) groups, and
    /// 25,088-wide rows took 0.4 ms in 10-row groups and 0.6-1.2 ms in 400-row ones (probes). Small rows still
    /// get hundreds of rows per group.
    /// </summary>
    public const long DefaultRowGroupBytes = 4L << 20;

    private readonly DataField<string> _path = new(FeatureFormat.PathColumn);
    private readonly DataField<string> _label = new(FeatureFormat.LabelColumn);
    private readonly DataField<int> _labelIndex = new(FeatureFormat.LabelIndexColumn);
    private readonly DataField<string> _split = new(FeatureFormat.SplitColumn);
    private readonly DataField<int>? _view;
    private readonly ListField[] _features;
    private readonly ParquetSchema _schema;
    private readonly Dictionary<string, string> _metadata;
    private readonly ParquetOptions _options;
    private readonly Lock _levelsLock = new();
    private readonly Dictionary<(int Len, int Max), (int[] Definitions, int[] Repetitions)> _levels = [];

    /// <param name="views">Write the view column (<see cref="FeatureFormat.ViewColumn"/>): a set extracted with augmented views.
    /// Without it a shard has the columns it had before views existed, byte for byte.</param>
    public FeatureWriter(IReadOnlyList<string> layers, IReadOnlyDictionary<string, string> metadata, FeatureDtype dtype = FeatureDtype.Float32, bool views = false)
    {
        Layers = [.. layers];
        Dtype = dtype;
        _features = layers.Select(l => new ListField(FeatureFormat.FeatureColumn(l), new DataField<float>("element"))).ToArray();
        _view = views ? new DataField<int>(FeatureFormat.ViewColumn) : null;
        _schema = new ParquetSchema(_view is null ? [_path, _label, _labelIndex, _split, .. _features] : [_path, _label, _labelIndex, _split, _view, .. _features]);
        _metadata = metadata.ToDictionary();
        _metadata[FeatureFormat.DtypeKey] = FeatureFormat.Name(dtype);
        _options = new ParquetOptions { CompressionMethod = CompressionMethod.Snappy };
        if (dtype == FeatureDtype.Float16)
        {
            // Why these settings: the remarks above.
            _options.CompressionMethod = CompressionMethod.Zstd;
            _options.CompressionLevel = System.IO.Compression.CompressionLevel.Fastest;
            foreach (var feature in _features) _options.ColumnEncodingHints[((DataField)feature.Item).Path.ToString()] = EncodingHint.ByteSplitStream;
        }
    }

    /// <summary>The feature layers, in column order.</summary>
    public IReadOnlyList<string> Layers { get; }

    /// <summary>The precision the feature values are stored in.</summary>
    public FeatureDtype Dtype { get; }

    /// <summary>Rows per row group for rows of <paramref name="floatsPerRow"/> feature values (at least 1).</summary>
    public static int RowGroupRows(long floatsPerRow, long maxGroupBytes = DefaultRowGroupBytes) =>
        (int)Math.Clamp(maxGroupBytes / (4 * Math.Max(1, floatsPerRow)), 1, int.MaxValue);

    /// <summary>Writes <paramref name="rows"/> to <paramref name="path"/> (temp file + rename) in row groups of <paramref name="groupRows"/> (default: <see cref="RowGroupRows"/>).</summary>
    public CommittedFile Write(ShardRows rows, string path, int? groupRows = null, CancellationToken ct = default)
    {
        using var file = OpenAsync(path, ct).GetAwaiter().GetResult();
        int group = groupRows ?? RowGroupRows(rows.FeatureLengths.Sum(n => (long)n));
        for (int first = 0; first < rows.Count; first += group)
            file.AppendAsync(rows, first, Math.Min(group, rows.Count - first), ct).GetAwaiter().GetResult();
        return file.CommitAsync().GetAwaiter().GetResult();
    }

    /// <summary>Starts a shard file at <paramref name="path"/>, invisible until <see cref="ShardFile.CommitAsync"/>.</summary>
    public async Task<ShardFile> OpenAsync(string path, CancellationToken ct = default)
    {
        var file = AtomicFile.Create(path, hash: true);
        try
        {
            var writer = await ParquetWriter.CreateAsync(_schema, file.Stream, _options, append: false, ct);
            writer.CustomMetadata = _metadata.ToDictionary();
            return new ShardFile(this, file, writer);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// One shard file being written a row group at a time, so a pipeline can write while later rows
    /// are still being computed. Disposing it uncommitted deletes it.
    /// </summary>
    public sealed class ShardFile : IDisposable
    {
        private readonly FeatureWriter _owner;
        private readonly PendingFile _file;
        private ParquetWriter? _writer;
        // Float16 only: a row group's values rounded to float16, reused from group to group.
        private float[] _rounded = [];

        internal ShardFile(FeatureWriter owner, PendingFile file, ParquetWriter writer)
        {
            _owner = owner;
            _file = file;
            _writer = writer;
        }

        /// <summary>Rows written so far.</summary>
        public int Rows { get; private set; }

        /// <summary>Writes rows first..first+count-1 of <paramref name="rows"/> as one row group.</summary>
        /// <exception cref="OnnxTransferException">The disk is full or failed; the message names the file and the free space.</exception>
        public async Task AppendAsync(ShardRows rows, int first, int count, CancellationToken ct = default)
        {
            if (count < 1 || first < 0 || first + count > rows.Count) throw new ArgumentOutOfRangeException(nameof(count));
            try { await WriteGroupAsync(rows, first, count, ct); }
            catch (Exception e) when (AtomicFile.IsWriteFailure(e)) { throw AtomicFile.WriteFailed(_file.Target, e); }
        }

        private async Task WriteGroupAsync(ShardRows rows, int first, int count, CancellationToken ct)
        {
            var writer = _writer ?? throw new ObjectDisposedException(nameof(ShardFile));
            var items = rows.Items.GetRange(first, count);
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(_owner._path, items.Select(i => i.Path).ToArray());
            await group.WriteAsync(_owner._label, items.Select(i => i.Label).ToArray());
            await group.WriteAsync<int>(_owner._labelIndex, items.Select(i => i.LabelIndex).ToArray(), null, null, ct);
            await group.WriteAsync(_owner._split, items.Select(i => i.Split).ToArray());
            if (_owner._view is { } view) await group.WriteAsync<int>(view, items.Select(i => i.View).ToArray(), null, null, ct);
            for (int l = 0; l < _owner._features.Length; l++)
            {
                int len = rows.FeatureLengths[l];
                var item = (DataField)_owner._features[l].Item;
                ReadOnlyMemory<float> values = rows.Features[l].AsMemory(first * len, count * len);
                if (_owner.Dtype == FeatureDtype.Float16) values = RoundToHalf(rows, first, count, l);
                var (definitions, repetitions) = _owner.Levels(count, len, item.MaxDefinitionLevel);
                await group.WriteAllPartsAsync(item, values, definitions, repetitions, ct);
            }
            group.CompleteValidate();
            Rows += count;
        }

        /// <summary>
        /// Layer <paramref name="layer"/>'s values of rows first..first+count-1 rounded to float16 (ties to even), as float32.
        /// A copy, so the caller's rows keep what the model computed. A finite value that would round to infinity is
        /// refused: a half infinity is a non-finite feature every reader refuses, and a clamped one a silent error.
        /// NaN and infinity stay what they are, as in a float32 shard, for the readers to refuse.
        /// </summary>
        private ReadOnlyMemory<float> RoundToHalf(ShardRows rows, int first, int count, int layer)
        {
            int len = rows.FeatureLengths[layer];
            var source = rows.Features[layer].AsSpan(first * len, count * len);
            if (_rounded.Length < source.Length) _rounded = new float[source.Length];
            var rounded = _rounded.AsSpan(0, source.Length);
            for (int i = 0; i < source.Length; i++)
            {
                var half = (Half)source[i];
                if (Half.IsInfinity(half) && float.IsFinite(source[i]))
                    throw new OnnxTransferException(
                        $"Image '{rows.Items[first + i / len].Path}' has feature {source[i].ToString(CultureInfo.InvariantCulture)} at index {i % len} of layer " +
                        $"'{_owner.Layers[layer]}', beyond float16's range (±65504); extract with `Dtype` float32 (into another folder, or with `Overwrite`).");
                rounded[i] = (float)half;
            }
            return _rounded.AsMemory(0, source.Length);
        }

        /// <summary>
        /// Writes the footer, flushes to disk and renames the file into place (or to <paramref name="target"/>, on the
        /// same file system); returns its size and SHA-256.
        /// </summary>
        public async Task<CommittedFile> CommitAsync(string? target = null)
        {
            var writer = _writer ?? throw new ObjectDisposedException(nameof(ShardFile));
            _writer = null;
            try { await writer.DisposeAsync(); }
            catch (Exception e) when (AtomicFile.IsWriteFailure(e)) { throw AtomicFile.WriteFailed(_file.Target, e); }
            return _file.Commit(target);
        }

        public void Dispose()
        {
            // An uncommitted file is abandoned: its partial content is deleted, not finished.
            _writer = null;
            _file.Dispose();
        }
    }

    /// <summary>
    /// Parquet levels for count lists of len values. Every element is present in a present list, so all
    /// definition levels are the maximum (the low-level call takes them because the list itself is
    /// optional); repetition levels are 0 where a row starts, 1 elsewhere. Kept per row width, grown when a
    /// larger group comes, and sliced for smaller ones (the pattern repeats every len values), so neither a
    /// shard's short last group nor a second layer allocates them again: for block2_pool they are 1.6 MB a row.
    /// </summary>
    private (ReadOnlyMemory<int> Definitions, ReadOnlyMemory<int> Repetitions) Levels(int count, int len, int maxDefinition)
    {
        int n = count * len;
        lock (_levelsLock)
        {
            if (!_levels.TryGetValue((len, maxDefinition), out var levels) || levels.Definitions.Length < n)
            {
                var definitions = new int[n];
                Array.Fill(definitions, maxDefinition);
                var repetitions = new int[n];
                Array.Fill(repetitions, 1);
                for (int r = 0; r < count; r++) repetitions[r * len] = 0;
                _levels[(len, maxDefinition)] = levels = (definitions, repetitions);
            }
            return (levels.Definitions.AsMemory(0, n), levels.Repetitions.AsMemory(0, n));
        }
    }
}
