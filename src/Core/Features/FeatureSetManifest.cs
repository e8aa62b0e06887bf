using System.Text.Json;
using System.Text.Json.Nodes;
using OnnxTransfer.IO;

namespace OnnxTransfer.Features;

/// <summary>
/// A finished shard (part file), as recorded in .progress/ after its file was committed: the rows written, the images
/// that failed (relative path, reason), and the committed file's size and SHA-256, which readers check before use.
/// <paramref name="Task"/> ("1/4") is the shard task that wrote it and <paramref name="Settings"/> the manifest it was
/// written under, so a part copied in from another extraction is found; records older than them lack both.
/// </summary>
internal sealed record ShardRecord(int Shard, int Rows, List<string[]> Errors, long Bytes, string Sha256, string? Task = null, JsonObject? Settings = null);

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

    /// <summary>How many shard tasks share the extraction (1 when it ran as one process); see <see cref="PartsOf"/>.</summary>
    public const string ShardsKey = "shards";

    /// <summary>
    /// The part files shard task <paramref name="index"/> of <paramref name="count"/> writes, of <paramref name="parts"/>:
    /// the contiguous range [index * parts / count, (index + 1) * parts / count), rounded down. Every part belongs to
    /// exactly one task, tasks differ by at most one part, and each task's rows are a contiguous run of the sorted input.
    /// </summary>
    public static (int First, int End) PartsOf(int index, int count, int parts) =>
        ((int)((long)index * parts / count), (int)((long)(index + 1) * parts / count));

    /// <summary>The shard task that writes part <paramref name="part"/> (<see cref="PartsOf"/>).</summary>
    public static int OwnerOf(int part, int count, int parts)
    {
        int task = (int)Math.Min(count - 1, (long)part * count / parts);
        while (PartsOf(task, count, parts).First > part) task--;
        while (PartsOf(task, count, parts).End <= part) task++;
        return task;
    }

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
        var (images, perShard, tasks) = Expected(dir);
        var settings = Settings(dir);
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
            if (SettingsProblem(dir, record, settings, tasks, expected) is { } problem) throw new OnnxTransferException(problem);
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
            throw new OnnxTransferException(tasks == 1
                ? $"Feature set '{dir}' is incomplete: {expected - unfinished.Count} of {expected} shards are finished (first missing: {FeatureFormat.ShardName(unfinished[0])}); " +
                  "rerun the same extraction to finish it, or allow a partial set (`AllowPartial`) to use the finished shards."
                : $"Feature set '{dir}' is incomplete: {UnfinishedTasks(unfinished, tasks, expected)}; " +
                  "rerun those shard tasks with the same command (`Shard` K/N), or allow a partial set (`AllowPartial`) to use the finished ones.");
        return new Contents(shards, expected, unfinished);
    }

    /// <summary>"shard 1/4 (2 of 3 part files missing, first part-00004.parquet) and shard 3/4 (...)".</summary>
    public static string UnfinishedTasks(IReadOnlyList<int> unfinished, int tasks, int parts)
    {
        var byTask = unfinished.GroupBy(p => OwnerOf(p, tasks, parts)).OrderBy(g => g.Key).ToList();
        var named = byTask.Take(8).Select(g =>
        {
            var (first, end) = PartsOf(g.Key, tasks, parts);
            return $"shard {g.Key}/{tasks} ({g.Count()} of {end - first} part files missing, first {FeatureFormat.ShardName(g.First())})";
        });
        return string.Join(", ", named) + (byTask.Count > 8 ? $" and {byTask.Count - 8} more shards" : "") + $" of {tasks} unfinished";
    }

    /// <summary>
    /// Why a finished part's record does not belong to this set: written by a shard task of another count or range, or
    /// under other settings than the manifest's (compared on the manifest's keys: an older manifest lacks newer ones).
    /// </summary>
    public static string? SettingsProblem(string dir, ShardRecord record, JsonObject? manifest, int tasks, int parts)
    {
        string name = FeatureFormat.ShardName(record.Shard);
        string owner = $"shard {OwnerOf(record.Shard, tasks, parts)}/{tasks}";
        string fix = $"delete it and {ProgressDir}/{Path.GetFileName(RecordPath(dir, record.Shard))}, then rerun {owner} (`Shard` {owner[6..]})";
        if (record.Settings is { } written && manifest is not null)
        {
            var differing = manifest.Where(p => written.ContainsKey(p.Key) && !JsonNode.DeepEquals(p.Value, written[p.Key])).Select(p => p.Key).ToList();
            if (differing.Count > 0)
                return $"Part '{Path.Combine(dir, name)}' (written by shard {record.Task ?? "?"}) comes from an extraction with other settings than '{Path.Combine(dir, ManifestFile)}' " +
                       $"({Differences(written, manifest, differing)}); it does not belong to this feature set: {fix}.";
        }
        if (record.Task is { } task && task != $"{OwnerOf(record.Shard, tasks, parts)}/{tasks}")
            return $"Part '{Path.Combine(dir, name)}' was written by shard {task}, but this feature set is {tasks} shard(s) and the part belongs to {owner}: {fix}.";
        return null;
    }

    /// <summary>"key: old -> new; ..." for the differing keys, each value cut short, the whole under 300 characters.</summary>
    public static string Differences(JsonObject from, JsonObject to, IEnumerable<string> keys)
    {
        static string Short(JsonNode? node)
        {
            string text = node?.ToJsonString() ?? "none";
            return text.Length > 80 ? text[..80] + "..." : text;
        }
        string text = string.Join("; ", keys.Select(k => $"{k}: {Short(from[k])} -> {Short(to[k])}"));
        return text.Length > 300 ? text[..300] + "..." : text;
    }

    /// <summary>
    /// The SHA-256 the manifest's inputs_sha256 holds: of each image's relative path, label and split, tab-separated,
    /// a line each, as they are (the spelling the first release hashed, so its folders still resume).
    /// </summary>
    public static string InputsSha256(IEnumerable<(string Path, string Label, string Split)> inputs)
    {
        var list = new System.Text.StringBuilder();
        foreach (var (path, label, split) in inputs) list.Append(path).Append('\t').Append(label).Append('\t').Append(split).Append('\n');
        return Hashing.Sha256(System.Text.Encoding.UTF8.GetBytes(list.ToString()));
    }

    /// <summary>inputs.tsv: a header, then one escaped (<see cref="Delimited"/>) path, label, split line per image, in row order.</summary>
    public static string InputsText(IEnumerable<(string Path, string Label, string Split)> inputs)
    {
        var text = new System.Text.StringBuilder(Delimited.TsvLine("path", "label", "split"));
        foreach (var (path, label, split) in inputs) text.Append(Delimited.TsvLine(path, label, split));
        return text.ToString();
    }

    /// <summary>The input list of inputs.tsv, or null when the folder has none (written before it existed).</summary>
    /// <exception cref="OnnxTransferException">The file is malformed.</exception>
    public static List<(string Path, string Label, string Split)>? ReadInputs(string dir)
    {
        string path = Path.Combine(dir, FeatureFormat.InputsFile);
        if (!File.Exists(path)) return null;
        var list = new List<(string, string, string)>();
        int n = 0;
        foreach (string line in File.ReadLines(path))
        {
            if (n++ == 0) continue; // the header
            string[] f = line.Split('\t');
            if (f.Length != 3) throw new OnnxTransferException($"'{path}' line {n} has {f.Length} fields, not 3 (path, label, split); extract the features again with `Overwrite`.");
            list.Add((Delimited.TsvUnescape(f[0]), Delimited.TsvUnescape(f[1]), Delimited.TsvUnescape(f[2])));
        }
        return list;
    }

    /// <summary>The manifest as JSON, or null when it is unreadable (<see cref="Expected"/> says so first).</summary>
    public static JsonObject? Settings(string dir)
    {
        try { return JsonNode.Parse(File.ReadAllText(Path.Combine(dir, ManifestFile))) as JsonObject; }
        catch (JsonException) { return null; }
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

    /// <summary>The image count, images per part file and shard task count that manifest.json records (1 task when it predates them).</summary>
    public static (int Images, int PerShard, int Shards) Expected(string dir)
    {
        string path = Path.Combine(dir, ManifestFile);
        if (!File.Exists(path))
            throw new OnnxTransferException($"Feature set '{dir}' has no {ManifestFile}, so its completeness cannot be checked; it was not written by onnx-transfer extract: re-extract it.");
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(path));
            int images = node?[ImagesKey]?.GetValue<int>() ?? -1, perShard = node?[ImagesPerShardKey]?.GetValue<int>() ?? -1;
            int shards = node?[ShardsKey]?.GetValue<int>() ?? 1;
            if (images >= 0 && perShard > 0 && shards > 0) return (images, perShard, shards);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { }
        throw new OnnxTransferException($"'{path}' is unreadable or lacks '{ImagesKey}'/'{ImagesPerShardKey}'; extract the features again with `Overwrite`.");
    }
}
