namespace OnnxTransfer.Features;

/// <summary>
/// Reads a streamed set's row groups (features of its layer), keeping each shard open while it lasts. A shard must
/// still be the file the set was opened on (same size and modification time; its hash was checked then), and its
/// rows must still be the rows the set indexed: a shard deleted or rewritten under a running job is named, not read.
/// </summary>
internal sealed class GroupReader(FeatureSet set, LevelBuffers levels) : IDisposable
{
    private readonly Dictionary<string, ShardReader> _open = [];

    public void Read(FeatureGroup group, Memory<float> target)
    {
        var reader = Reader(group);
        var keys = reader.ReadGroup(group.Group, [(set.Layer, set.Width, target)]);
        if (keys.Length != group.Rows || keys[0].Path != set.Paths[group.FirstRow] || keys[^1].Path != set.Paths[group.FirstRow + group.Rows - 1])
            throw Changed(group, "its rows are not the ones it held");
    }

    private ShardReader Reader(FeatureGroup group)
    {
        if (_open.TryGetValue(group.Shard, out var open)) return open;
        var info = new FileInfo(group.Shard);
        if (!info.Exists) throw Changed(group, "it is gone");
        if (info.Length != group.ShardBytes || info.LastWriteTimeUtc != group.ShardModified) throw Changed(group, "it was rewritten");
        var reader = ShardReader.Open(group.Shard, Fix(group), levels);
        _open[group.Shard] = reader;
        return reader;
    }

    private static OnnxTransferException Changed(FeatureGroup group, string what) =>
        new($"Shard '{group.Shard}' changed while its features were being read ({what}); {Fix(group)}.");

    private static string Fix(FeatureGroup group) =>
        $"restore it or re-extract '{Path.GetDirectoryName(group.Shard)}', then train again (`Resume` continues from the last finished epoch)";

    public void Dispose()
    {
        foreach (var reader in _open.Values) reader.Dispose();
        _open.Clear();
    }
}
