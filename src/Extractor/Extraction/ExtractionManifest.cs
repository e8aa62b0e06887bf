using System.Text.Json;
using System.Text.Json.Nodes;
using OnnxTransfer.Features;
using OnnxTransfer.IO;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>
/// The resumability record of an output folder: manifest.json holds the settings fingerprint; each
/// finished shard has a record under .progress/ (rows and error list), written after its Parquet file.
/// A shard counts as finished only when its record exists, so a run killed at any moment redoes at
/// most the shards in flight and never rewrites or duplicates a finished one.
/// </summary>
internal sealed class ExtractionManifest
{
    public const string ManifestFile = "manifest.json";
    public const string ProgressDir = ".progress";

    private readonly string _dir;

    private ExtractionManifest(string dir) => _dir = dir;

    public sealed record ShardRecord(int Shard, int Rows, List<string[]> Errors);

    /// <summary>Opens (or starts) the folder for a run with <paramref name="fingerprint"/>, checking it matches earlier runs.</summary>
    public static ExtractionManifest Open(string dir, JsonObject fingerprint, bool overwrite)
    {
        Directory.CreateDirectory(dir);
        string manifestPath = Path.Combine(dir, ManifestFile);
        string wanted = fingerprint.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        bool hasOutputs = Directory.EnumerateFiles(dir, FeatureFormat.ShardPattern).Any() || Directory.Exists(Path.Combine(dir, ProgressDir));
        if (overwrite) Clear(dir);
        else if (File.Exists(manifestPath))
        {
            string existing = File.ReadAllText(manifestPath);
            if (existing != wanted)
                throw new OnnxTransferException(
                    $"Output folder '{dir}' holds features extracted with different settings ({Differences(existing, fingerprint)}); " +
                    "rerun with the same options to resume, choose another -o folder, or pass --overwrite.");
        }
        else if (hasOutputs)
            throw new OnnxTransferException($"Output folder '{dir}' has feature shards but no {ManifestFile}; choose another -o folder or pass --overwrite.");

        Directory.CreateDirectory(Path.Combine(dir, ProgressDir));
        RemoveStaleTemps(dir);
        RemoveStaleTemps(Path.Combine(dir, ProgressDir));
        if (!File.Exists(manifestPath)) AtomicFile.WriteAllText(manifestPath, wanted);
        return new ExtractionManifest(dir);
    }

    public ShardRecord? Finished(int shard)
    {
        string path = RecordPath(shard);
        if (!File.Exists(path)) return null;
        var record = JsonSerializer.Deserialize<ShardRecord>(File.ReadAllText(path));
        // A shard with rows is finished only if its file is there too (someone may have deleted it).
        if (record is null || (record.Rows > 0 && !File.Exists(Path.Combine(_dir, FeatureFormat.ShardName(shard))))) return null;
        return record;
    }

    public void MarkFinished(ShardRecord record) =>
        AtomicFile.WriteAllText(RecordPath(record.Shard), JsonSerializer.Serialize(record));

    private string RecordPath(int shard) => Path.Combine(_dir, ProgressDir, $"shard-{shard:D5}.json");

    /// <summary>Deletes this tool's outputs in the folder (only those: the folder may hold other files).</summary>
    private static void Clear(string dir)
    {
        foreach (string f in Directory.EnumerateFiles(dir, FeatureFormat.ShardPattern)) File.Delete(f);
        foreach (string name in new[] { ManifestFile, FeatureFormat.ClassesFile, FeatureFormat.SummaryFile, FeatureFormat.ErrorsFile, FeatureFormat.BackboneFile })
            File.Delete(Path.Combine(dir, name));
        string progress = Path.Combine(dir, ProgressDir);
        if (Directory.Exists(progress)) Directory.Delete(progress, recursive: true);
    }

    /// <summary>Temp files AtomicFile leaves when a process is killed between write and rename.</summary>
    private static void RemoveStaleTemps(string dir)
    {
        foreach (string f in Directory.EnumerateFiles(dir, ".*.tmp")) File.Delete(f);
    }

    private static string Differences(string existingJson, JsonObject wanted)
    {
        JsonObject? existing;
        try { existing = JsonNode.Parse(existingJson) as JsonObject; }
        catch (JsonException) { return $"{ManifestFile} is unreadable"; }
        if (existing is null) return $"{ManifestFile} is unreadable";
        var keys = wanted.Select(p => p.Key).Union(existing.Select(p => p.Key))
            .Where(k => !JsonNode.DeepEquals(existing[k], wanted[k]))
            .Select(k => $"{k}: {existing[k]?.ToJsonString() ?? "none"} -> {wanted[k]?.ToJsonString() ?? "none"}");
        string text = string.Join("; ", keys);
        return text.Length > 300 ? text[..300] + "..." : text;
    }
}
