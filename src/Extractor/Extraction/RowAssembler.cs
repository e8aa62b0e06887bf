using System.Threading.Channels;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>
/// Rows for the writer: one row group of shard <paramref name="Shard"/> (null when none is left), and at
/// the shard's end, <paramref name="EndOfShard"/> with the shard's failed images.
/// </summary>
internal sealed record RowChunk(int Shard, ShardRows? Rows, bool EndOfShard, List<string[]> Errors);

/// <summary>
/// Gathers the results of ONNX Runtime runs, batch after batch in input order, into row groups for the
/// writer, and ends each shard with its failed images. Not thread-safe: the pipeline calls it one batch
/// at a time (<see cref="TurnOrder"/>).
/// </summary>
internal sealed class RowAssembler(int[] lengths, ChannelReader<ShardRows> emptyRows, ChannelWriter<RowChunk> output, ProgressTracker tracker)
{
    private ShardRows? _rows;
    private List<string[]> _errors = [];

    /// <summary>
    /// Adds one batch of <paramref name="images"/> inputs: the rows of <paramref name="items"/>, whose features
    /// are the first items of each of <paramref name="outputs"/>, and the images that <paramref name="failed"/>.
    /// </summary>
    public async Task AddAsync(int shard, int images, IReadOnlyList<InputItem> items, float[][] outputs, IReadOnlyList<string[]> failed,
                               bool lastInShard, CancellationToken ct)
    {
        for (int k = 0; k < items.Count; k++)
        {
            if (_rows is null)
            {
                _rows = await emptyRows.ReadAsync(ct);
                _rows.Clear();
            }
            for (int l = 0; l < lengths.Length; l++)
                outputs[l].AsSpan(k * lengths[l], lengths[l]).CopyTo(_rows.Features[l].AsSpan(_rows.Count * lengths[l]));
            _rows.Items.Add(items[k]);
            if (_rows.Count == _rows.Capacity)
            {
                await output.WriteAsync(new RowChunk(shard, _rows, false, []), ct);
                _rows = null;
            }
        }
        _errors.AddRange(failed);
        tracker.Add(images, failed.Count);
        if (lastInShard)
        {
            await output.WriteAsync(new RowChunk(shard, _rows, true, _errors), ct);
            _rows = null;
            _errors = [];
        }
    }
}
