using OnnxTransfer.Features;
using OnnxTransfer.IO;
using Parquet;
using Parquet.Schema;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>The rows of one shard: per-row identity columns and, per layer, all rows' features back to back.</summary>
public sealed class ShardRows
{
    public ShardRows(int shardIndex, IReadOnlyList<int> featureLengths, int capacity)
    {
        ShardIndex = shardIndex;
        FeatureLengths = featureLengths;
        Features = featureLengths.Select(n => new float[(long)n * capacity]).ToArray();
    }

    public int ShardIndex { get; }
    public IReadOnlyList<int> FeatureLengths { get; }
    public List<InputItem> Items { get; } = [];

    /// <summary>Per layer, Items.Count * FeatureLengths[layer] floats in row order.</summary>
    public float[][] Features { get; }

    public int Count => Items.Count;
}

/// <summary>
/// Writes feature shards as Parquet (FeatureFormat's columns: path, label, label_index, split and one
/// list&lt;float&gt; column per layer), each file atomically, with the run's key-value metadata.
/// </summary>
public sealed class FeatureWriter
{
    /// <summary>Rows per Parquet row group: keeps readers' and the writer's buffers small for big feature vectors.</summary>
    private const long RowGroupFloats = 16L << 20;

    private readonly DataField<string> _path = new(FeatureFormat.PathColumn);
    private readonly DataField<string> _label = new(FeatureFormat.LabelColumn);
    private readonly DataField<int> _labelIndex = new(FeatureFormat.LabelIndexColumn);
    private readonly DataField<string> _split = new(FeatureFormat.SplitColumn);
    private readonly ListField[] _features;
    private readonly ParquetSchema _schema;
    private readonly IReadOnlyDictionary<string, string> _metadata;

    public FeatureWriter(IReadOnlyList<string> layers, IReadOnlyDictionary<string, string> metadata)
    {
        _features = layers.Select(l => new ListField(FeatureFormat.FeatureColumn(l), new DataField<float>("element"))).ToArray();
        _schema = new ParquetSchema([_path, _label, _labelIndex, _split, .. _features]);
        _metadata = metadata;
    }

    /// <summary>Writes <paramref name="rows"/> to <paramref name="path"/> (temp file + rename).</summary>
    public void Write(ShardRows rows, string path, CancellationToken ct = default) =>
        AtomicFile.Write(path, s => WriteAsync(rows, s, ct).GetAwaiter().GetResult());

    private async Task WriteAsync(ShardRows rows, Stream stream, CancellationToken ct)
    {
        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Snappy };
        await using var writer = await ParquetWriter.CreateAsync(_schema, stream, options, append: false, ct);
        writer.CustomMetadata = _metadata.ToDictionary();
        long floatsPerRow = Math.Max(1, rows.FeatureLengths.Sum(n => (long)n));
        int groupRows = (int)Math.Clamp(RowGroupFloats / floatsPerRow, 1, int.MaxValue);
        for (int first = 0; first < rows.Count; first += groupRows)
        {
            int count = Math.Min(groupRows, rows.Count - first);
            var items = rows.Items.GetRange(first, count);
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(_path, items.Select(i => i.RelativePath).ToArray());
            await group.WriteAsync(_label, items.Select(i => i.Label).ToArray());
            await group.WriteAsync<int>(_labelIndex, items.Select(i => i.LabelIndex).ToArray(), null, null, ct);
            await group.WriteAsync(_split, items.Select(i => i.Split).ToArray());
            for (int l = 0; l < _features.Length; l++)
            {
                int len = rows.FeatureLengths[l];
                var item = (DataField)_features[l].Item;
                ReadOnlyMemory<float> values = rows.Features[l].AsMemory(first * len, count * len);
                // Every element is present in a present list, so all definition levels are the maximum;
                // the low-level call takes them explicitly because the list itself is optional.
                var definitions = new int[count * len];
                Array.Fill(definitions, item.MaxDefinitionLevel);
                await group.WriteAllPartsAsync(item, values, definitions, RepetitionLevels(count, len), ct);
            }
            group.CompleteValidate();
        }
    }

    /// <summary>Parquet repetition levels for count lists of len values: 0 starts a row, 1 continues it.</summary>
    private static ReadOnlyMemory<int> RepetitionLevels(int count, int len)
    {
        var levels = new int[count * len];
        Array.Fill(levels, 1);
        for (int r = 0; r < count; r++) levels[r * len] = 0;
        return levels;
    }
}
