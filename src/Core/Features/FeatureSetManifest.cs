using System.Text.Json;
using System.Text.Json.Nodes;
using OnnxTransfer.IO;

namespace OnnxTransfer.Features;

/// <summary>
/// A finished shard, as recorded in .progress/ after its file was committed: the rows written, the images that
/// failed (relative path, reason), and the committed file's size and SHA-256, which readers check before use.
/// </summary>
internal sealed record ShardRecord(int Shard, int Rows, List<string[]> Errors, long Bytes, string Sha256);

/// <summary>
/// The completeness and integrity records of a feature set: manifest.json (the run's settings, written by the
/// extractor, with the image count and images per shard) and one <see cref="ShardRecord"/> per finished shard
/// under .progress/. The extractor writes them; every reader checks a set against them with <see cref="Verify"/>.
/// </summary>
internal static class FeatureSetManifest
{
    public const string ManifestFile = "manifest.json";
    public const string ProgressDir = ".progress";
    public const string ImagesKey = "images";
    public const string ImagesPerShardKey = "images_per_shard";

    /// <summary>The finished shards of a set, in order, and what is missing from it.</summary>
    public sealed record Contents(IReadOnlyList<(string File, ShardRecord Record)> Shards, int ExpectedShards, IReadOnlyList<int> Unfinished);

    public static string RecordPath(string dir, int shard) => Path.Combine(dir, ProgressDir, $"shard-{shard:D5}.json");

    public static ShardRecord? ReadRecord(string dir, int shard)
    {
        string path = RecordPath(dir, shard);
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<ShardRecord>(File.ReadAllText(path)); }
        catch (JsonException e)
        {
            throw new OnnxTransferException($"Shard record '{path}' is unreadable ({e.Message}); extract again with `Overwrite`.", e);
        }
    }

    public static void WriteRecord(string dir, ShardRecord record) =>
        AtomicFile.WriteAllText(RecordPath(dir, record.Shard), JsonSerializer.Serialize(record));

    /// <summary>
    /// Checks a feature set against its records: every shard file must have a record and the size and SHA-256
    /// the record gives (a flipped bit in any shard is found here), and every shard the manifest counts must be
    /// finished unless <paramref name="allowPartial"/>. Returns the finished shards in order.
    /// </summary>
    /// <exception cref="OnnxTransferException">What is wrong, naming the shard and the fix.</exception>
    public static Contents Verify(string dir, bool allowPartial = false)
    {
        var (images, perShard) = Expected(dir);
        int expected = (images + perShard - 1) / perShard;
        var shards = new List<(string, ShardRecord)>();
        var unfinished = new List<int>();
        var files = Directory.GetFiles(dir, FeatureFormat.ShardPattern).Select(f => Path.GetFileName(f)).ToHashSet(StringComparer.Ordinal);
        for (int k = 0; k < expected; k++)
        {
            string name = FeatureFormat.ShardName(k);
            files.Remove(name);
            var record = ReadRecord(dir, k);
            if (record is null)
            {
                unfinished.Add(k);
                continue;
            }
            if (record.Rows == 0) continue; // every image of the shard failed: no file
            string file = Path.Combine(dir, name);
            if (!File.Exists(file))
                throw new OnnxTransferException($"Shard '{file}' is missing (its record says {record.Rows} rows); rerun the same extraction to write it again.");
            CheckIntegrity(file, record);
            shards.Add((file, record));
        }
        if (files.Count > 0)
            throw new OnnxTransferException(
                $"'{Path.Combine(dir, files.Order(StringComparer.Ordinal).First())}' is not a shard of this feature set ({expected} shards); remove it or extract again with `Overwrite`.");
        if (unfinished.Count > 0 && !allowPartial)
            throw new OnnxTransferException(
                $"Feature set '{dir}' is incomplete: {expected - unfinished.Count} of {expected} shards are finished (first missing: {FeatureFormat.ShardName(unfinished[0])}); " +
                "rerun the same extraction to finish it, or allow a partial set (`AllowPartial`) to use the finished shards.");
        return new Contents(shards, expected, unfinished);
    }

    /// <summary>Checks a committed shard's size and SHA-256 against its record.</summary>
    public static void CheckIntegrity(string file, ShardRecord record)
    {
        long bytes = new FileInfo(file).Length;
        if (record.Sha256.Length == 0)
            throw new OnnxTransferException($"Shard '{file}' has no checksum in its record (written by an older onnx-transfer); extract again with `Overwrite`.");
        string sha = bytes == record.Bytes ? Hashing.Sha256File(file) : "";
        if (bytes != record.Bytes || sha != record.Sha256)
            throw new OnnxTransferException(
                $"Shard '{file}' is damaged: {(bytes != record.Bytes ? $"{bytes:N0} bytes, but {record.Bytes:N0} were written" : "its SHA-256 differs from the one recorded when it was written")}; " +
                "delete it and rerun the same extraction to write it again (or extract again with `Overwrite`).");
    }

    /// <summary>The image count and images per shard that manifest.json records.</summary>
    public static (int Images, int PerShard) Expected(string dir)
    {
        string path = Path.Combine(dir, ManifestFile);
        if (!File.Exists(path))
            throw new OnnxTransferException($"Feature set '{dir}' has no {ManifestFile}, so its completeness cannot be checked; it was not written by onnx-transfer extract: re-extract it.");
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(path));
            int images = node?[ImagesKey]?.GetValue<int>() ?? -1, perShard = node?[ImagesPerShardKey]?.GetValue<int>() ?? -1;
            if (images >= 0 && perShard > 0) return (images, perShard);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { }
        throw new OnnxTransferException($"'{path}' is unreadable or lacks '{ImagesKey}'/'{ImagesPerShardKey}'; extract the features again with `Overwrite`.");
    }
}
