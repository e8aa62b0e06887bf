using System.Diagnostics;
using System.Threading.Channels;
using OnnxTransfer.Features;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>What a <see cref="RowChunk"/> ends: nothing (a full row group mid-shard), a checkpoint of the shard, or the shard.</summary>
internal enum ChunkEnd { None, Checkpoint, Shard }

/// <summary>
/// Rows for the writer: one row group of shard <paramref name="Shard"/> (null when none is left). A chunk that ends a
/// checkpoint or the shard also carries the images that failed since the previous one, and <paramref name="End"/>,
/// the run-wide index of the first image not yet covered: the writer saves everything up to it.
/// </summary>
internal sealed record RowChunk(int Shard, ShardRows? Rows, ChunkEnd Ends, List<string[]> Errors, int End);

/// <summary>
/// Gathers the results of ONNX Runtime runs, batch after batch in input order, into row groups for the writer,
/// ends each shard with its failed images, and asks for a checkpoint (the shard so far saved as a piece) every
/// <paramref name="checkpointEvery"/> and when the run stops. Not thread-safe: the pipeline calls it one batch at a
/// time (<see cref="TurnOrder"/>), and <see cref="FlushAsync"/> only once no batch is in flight.
/// </summary>
internal sealed class RowAssembler(int[] lengths, ChannelReader<ShardRows> emptyRows, ChannelWriter<RowChunk> output, ProgressTracker tracker,
                                   TimeSpan checkpointEvery)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private ShardRows? _rows;
    private List<string[]> _errors = [];
    private int _shard = -1, _end;
    private bool _unsaved;
    private TimeSpan _lastSave;

    /// <summary>
    /// Adds one batch of <paramref name="images"/> inputs, ending at run-wide index <paramref name="end"/>: the rows of
    /// <paramref name="items"/>, whose features are the first items of each of <paramref name="outputs"/>, and the images
    /// that <paramref name="failed"/>.
    /// </summary>
    public async Task AddAsync(int shard, int end, int images, IReadOnlyList<RowKey> items, float[][] outputs, IReadOnlyList<string[]> failed,
                               bool lastInShard, CancellationToken ct)
    {
        if (shard != _shard)
        {
            _shard = shard;
            _lastSave = _clock.Elapsed;
        }
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
                await output.WriteAsync(new RowChunk(shard, _rows, ChunkEnd.None, [], end), ct);
                _rows = null;
            }
        }
        _errors.AddRange(failed);
        _end = end;
        _unsaved = true;
        tracker.Add(images, failed.Count);
        if (lastInShard) await EmitAsync(ChunkEnd.Shard, ct);
        else if (_clock.Elapsed - _lastSave >= checkpointEvery) await EmitAsync(ChunkEnd.Checkpoint, ct);
    }

    /// <summary>Asks for a checkpoint of what the current shard has gathered since the last one (a stopped run keeps it).</summary>
    public Task FlushAsync(CancellationToken ct) => _unsaved ? EmitAsync(ChunkEnd.Checkpoint, ct) : Task.CompletedTask;

    private async Task EmitAsync(ChunkEnd ends, CancellationToken ct)
    {
        await output.WriteAsync(new RowChunk(_shard, _rows, ends, _errors, _end), ct);
        _rows = null;
        _errors = [];
        _unsaved = false;
        _lastSave = _clock.Elapsed;
    }
}
