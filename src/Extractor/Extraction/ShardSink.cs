using System.Threading.Channels;
using OnnxTransfer.Features;
using PieceRecord = OnnxTransfer.Extractor.Extraction.ExtractionManifest.PieceRecord;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>
/// The pipeline's last stage: writes row groups into the open shard file, saves it as a piece at each checkpoint,
/// and at a shard's end commits it and records it in the manifest. A shard saved in pieces (by this run or an
/// interrupted one) is written once more, from its pieces, as one file with the row groups a run without
/// interruption writes, so a resumed extraction ends with the same bytes as an uninterrupted one.
/// </summary>
internal sealed class ShardSink(FeatureWriter writer, ExtractionManifest manifest, string outputDir, int[] lengths, int groupRows,
                                ShardRecord?[] records, Dictionary<int, List<PieceRecord>> pieces, ProgressTracker tracker)
{
    private FeatureWriter.ShardFile? _file;

    public async Task RunAsync(ChannelReader<RowChunk> input, ChannelWriter<ShardRows> emptyRows, CancellationToken ct)
    {
        try
        {
            await foreach (var chunk in input.ReadAllAsync(ct))
            {
                if (chunk.Rows is { } rows)
                {
                    if (rows.Count > 0)
                    {
                        _file ??= await writer.OpenAsync(ShardPath(chunk.Shard), ct);
                        await Task.Run(() => _file.AppendAsync(rows, 0, rows.Count, ct), ct);
                    }
                    emptyRows.TryWrite(rows);
                }
                if (chunk.Ends == ChunkEnd.Checkpoint) await Task.Run(() => SavePieceAsync(chunk.Shard, chunk.End, chunk.Errors), ct);
                else if (chunk.Ends == ChunkEnd.Shard) await Task.Run(() => FinishAsync(chunk.Shard, chunk.End, chunk.Errors), ct);
            }
        }
        finally
        {
            // A failed run leaves no partial file behind: what it had not saved as a piece is redone.
            _file?.Dispose();
        }
    }

    /// <summary>Finishes a shard whose pieces an interrupted run left covering all of its images.</summary>
    public Task FinishFromPiecesAsync(int shard) => FinishAsync(shard, pieces[shard][^1].End, []);

    private async Task SavePieceAsync(int shard, int end, List<string[]> errors)
    {
        if (!pieces.TryGetValue(shard, out var saved)) pieces[shard] = saved = [];
        int rows = _file?.Rows ?? 0;
        var committed = _file is null ? null : await _file.CommitAsync(manifest.PiecePath(shard, saved.Count));
        _file?.Dispose();
        _file = null;
        var piece = new PieceRecord(shard, saved.Count, end, rows, errors, committed?.Bytes ?? 0, committed?.Sha256 ?? "");
        manifest.MarkPiece(piece);
        saved.Add(piece);
    }

    private async Task FinishAsync(int shard, int end, List<string[]> errors)
    {
        ShardRecord record;
        if (pieces.TryGetValue(shard, out var saved))
        {
            await SavePieceAsync(shard, end, errors);
            record = await MergeAsync(shard, saved);
        }
        else
        {
            // An all-failed shard has no file; its record alone says it is finished.
            int rows = _file?.Rows ?? 0;
            var committed = _file is null ? null : await _file.CommitAsync();
            _file?.Dispose();
            _file = null;
            record = new ShardRecord(shard, rows, errors, committed?.Bytes ?? 0, committed?.Sha256 ?? "");
        }
        manifest.MarkFinished(record);
        records[shard] = record;
        manifest.RemovePieces(shard);
        pieces.Remove(shard);
        tracker.Report();
    }

    /// <summary>Writes the shard from its pieces, in row groups of the run's size, through a one-group buffer.</summary>
    private async Task<ShardRecord> MergeAsync(int shard, List<PieceRecord> saved)
    {
        var buffer = new ShardRows(lengths, groupRows);
        var scratch = lengths.Select(n => new float[(long)n * groupRows]).ToArray();
        using var file = await writer.OpenAsync(ShardPath(shard));
        foreach (var piece in saved.Where(p => p.Rows > 0))
        {
            using var reader = ShardReader.Open(manifest.PiecePath(shard, piece.Piece), $"delete the folder's {FeatureSetManifest.ProgressDir} and rerun");
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                int n = reader.GroupRows(g);
                if (n > groupRows) throw new InvalidOperationException($"piece row group of {n} rows exceeds the run's {groupRows}");
                var keys = reader.ReadGroup(g, writer.Layers.Select((layer, l) => (layer, (long)lengths[l], scratch[l].AsMemory(0, n * lengths[l]))).ToList());
                for (int r = 0; r < n; r++)
                {
                    for (int l = 0; l < lengths.Length; l++)
                        scratch[l].AsSpan(r * lengths[l], lengths[l]).CopyTo(buffer.Features[l].AsSpan(buffer.Count * lengths[l]));
                    buffer.Items.Add(keys[r]);
                    if (buffer.Count < groupRows) continue;
                    await file.AppendAsync(buffer, 0, buffer.Count);
                    buffer.Clear();
                }
            }
        }
        if (buffer.Count > 0) await file.AppendAsync(buffer, 0, buffer.Count);
        int rows = file.Rows;
        var committed = rows > 0 ? await file.CommitAsync() : null;
        return new ShardRecord(shard, rows, [.. saved.SelectMany(p => p.Errors)], committed?.Bytes ?? 0, committed?.Sha256 ?? "");
    }

    private string ShardPath(int shard) => Path.Combine(outputDir, FeatureFormat.ShardName(shard));
}
