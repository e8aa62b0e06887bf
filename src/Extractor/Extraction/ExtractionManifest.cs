using System.Text.Json;
using System.Text.Json.Nodes;
using OnnxTransfer.Features;
using OnnxTransfer.IO;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>
/// The resumability record of an output folder: manifest.json holds the settings fingerprint; each finished shard
/// has a <see cref="ShardRecord"/> under .progress/ (rows, errors, size and SHA-256), written after its Parquet file.
/// A shard counts as finished only when its record exists and its file matches it, so a run killed at any moment
/// redoes at most what was in flight and never rewrites or duplicates a finished shard.
/// A shard still being written is saved in pieces (a checkpoint every few seconds, and when the run is stopped):
/// each piece is a Parquet file of the shard's first rows under .progress/ with a <see cref="PieceRecord"/>; a rerun
/// continues after the last piece, and the finished shard is one file written from the pieces, the same bytes a
/// run without interruption writes.
/// </summary>
internal sealed class ExtractionManifest
{
    private readonly string _dir;
    private readonly List<string> _warnings;

    private ExtractionManifest(string dir, List<string> warnings)
    {
        _dir = dir;
        _warnings = warnings;
    }

    /// <summary>
    /// A piece of shard <paramref name="Shard"/>: the images from the previous piece's end (or the shard's start) to
    /// <paramref name="End"/> (a run-wide image index, exclusive), with its rows in piece file number <paramref name="Piece"/>
    /// (none when <paramref name="Rows"/> is 0) and the images that failed.
    /// </summary>
    public sealed record PieceRecord(int Shard, int Piece, int End, int Rows, List<string[]> Errors, long Bytes, string Sha256);

    /// <summary>
    /// Opens (or starts) the folder for a run with <paramref name="fingerprint"/>, checking it matches earlier runs.
    /// <paramref name="warnings"/> collects what the user should hear (a damaged shard to be redone).
    /// </summary>
    public static ExtractionManifest Open(string dir, JsonObject fingerprint, bool overwrite, List<string> warnings)
    {
        string manifestPath = Path.Combine(dir, FeatureSetManifest.ManifestFile);
        string wanted = fingerprint.ToJsonString(Indented);
        bool hasOutputs = Directory.EnumerateFiles(dir, FeatureFormat.ShardPattern).Any() || Directory.Exists(Path.Combine(dir, FeatureSetManifest.ProgressDir));
        if (overwrite) Clear(dir);
        else if (File.Exists(manifestPath))
        {
            string existing = WithAddedKeys(File.ReadAllText(manifestPath));
            if (existing != wanted)
                throw new OnnxTransferException(
                    $"Output folder '{dir}' holds features extracted with different settings or inputs ({Differences(existing, fingerprint)}); " +
                    "rerun with the same options and input to resume, choose another output folder, or start again with `Overwrite`.");
        }
        else if (hasOutputs)
            throw new OnnxTransferException($"Output folder '{dir}' has feature shards but no {FeatureSetManifest.ManifestFile}; choose another output folder or start again with `Overwrite`.");

        Directory.CreateDirectory(Path.Combine(dir, FeatureSetManifest.ProgressDir));
        RemoveStaleTemps(dir);
        RemoveStaleTemps(Path.Combine(dir, FeatureSetManifest.ProgressDir));
        if (!File.Exists(manifestPath)) AtomicFile.WriteAllText(manifestPath, wanted);
        return new ExtractionManifest(dir, warnings);
    }

    /// <summary>Shard <paramref name="shard"/>'s record when it is finished and its file is intact; a damaged or missing file makes it unfinished again.</summary>
    public ShardRecord? Finished(int shard)
    {
        var record = FeatureSetManifest.ReadRecord(_dir, shard);
        if (record is null) return null;
        string file = Path.Combine(_dir, FeatureFormat.ShardName(shard));
        if (record.Rows > 0)
        {
            if (!File.Exists(file)) return null; // someone deleted it: written again
            try { FeatureSetManifest.CheckIntegrity(file, record); }
            catch (OnnxTransferException e)
            {
                _warnings.Add($"{e.Message.Split(';')[0]}; extracting it again");
                File.Delete(FeatureSetManifest.RecordPath(_dir, shard));
                return null;
            }
        }
        RemovePieces(shard); // left by a run killed after finishing the shard
        return record;
    }

    /// <summary>
    /// The pieces an earlier run saved of unfinished shard <paramref name="shard"/> (images <paramref name="first"/> to
    /// <paramref name="end"/>), in order and intact; a damaged, missing or out-of-order piece is dropped with those after it.
    /// </summary>
    public List<PieceRecord> Pieces(int shard, int first, int end)
    {
        var pieces = new List<PieceRecord>();
        int covered = first;
        for (int p = 0; ; p++)
        {
            string path = PieceRecordPath(shard, p);
            if (!File.Exists(path)) break;
            PieceRecord? piece;
            try { piece = JsonSerializer.Deserialize<PieceRecord>(File.ReadAllText(path)); }
            catch (JsonException) { piece = null; }
            string? problem = piece is null ? "its record is unreadable"
                : piece.Shard != shard || piece.Piece != p || piece.End <= covered || piece.End > end ? "its record does not follow the one before"
                : piece.Rows > 0 ? FileProblem(PiecePath(shard, p), piece.Bytes, piece.Sha256) : null;
            if (problem is not null)
            {
                _warnings.Add($"the saved progress of {FeatureFormat.ShardName(shard)} is damaged from piece {p} on ({problem}); extracting those images again");
                RemovePieces(shard, from: p);
                break;
            }
            pieces.Add(piece!);
            covered = piece!.End;
        }
        return pieces;
    }

    public string PiecePath(int shard, int piece) =>
        Path.Combine(_dir, FeatureSetManifest.ProgressDir, $"part-{shard:D5}.piece-{piece:D3}.parquet");

    public void MarkPiece(PieceRecord piece) =>
        AtomicFile.WriteAllText(PieceRecordPath(piece.Shard, piece.Piece), JsonSerializer.Serialize(piece));

    public void MarkFinished(ShardRecord record) => FeatureSetManifest.WriteRecord(_dir, record);

    /// <summary>Deletes the saved pieces of <paramref name="shard"/> from piece <paramref name="from"/> on, records first.</summary>
    public void RemovePieces(int shard, int from = 0)
    {
        for (int p = from; File.Exists(PieceRecordPath(shard, p)) || File.Exists(PiecePath(shard, p)); p++)
        {
            File.Delete(PieceRecordPath(shard, p));
            File.Delete(PiecePath(shard, p));
        }
    }

    private string PieceRecordPath(int shard, int piece) =>
        Path.Combine(_dir, FeatureSetManifest.ProgressDir, $"shard-{shard:D5}.piece-{piece:D3}.json");

    private static string? FileProblem(string file, long bytes, string sha256)
    {
        if (!File.Exists(file)) return "its file is missing";
        if (new FileInfo(file).Length != bytes || Hashing.Sha256File(file) != sha256) return "its file differs from the one written";
        return null;
    }

    /// <summary>
    /// An older version's manifest with the keys added since (<see cref="RunMetadata.AddedKeys"/>) and the values it
    /// implies, written as <see cref="Open"/> writes one; any other text, unreadable JSON included, stays as it is.
    /// </summary>
    private static string WithAddedKeys(string manifest)
    {
        JsonObject? node;
        try { node = JsonNode.Parse(manifest) as JsonObject; }
        catch (JsonException) { return manifest; }
        if (node is null || RunMetadata.AddedKeys.All(k => node.ContainsKey(k.Key))) return manifest;
        foreach (var (key, value) in RunMetadata.AddedKeys)
            if (!node.ContainsKey(key)) node[key] = value;
        return node.ToJsonString(Indented);
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Deletes this tool's outputs in the folder (only those: the folder may hold other files).</summary>
    private static void Clear(string dir)
    {
        foreach (string f in Directory.EnumerateFiles(dir, FeatureFormat.ShardPattern)) File.Delete(f);
        foreach (string name in new[] { FeatureSetManifest.ManifestFile, FeatureFormat.ClassesFile, FeatureFormat.SummaryFile, FeatureFormat.ErrorsFile, FeatureFormat.BackboneFile })
            File.Delete(Path.Combine(dir, name));
        string progress = Path.Combine(dir, FeatureSetManifest.ProgressDir);
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
        catch (JsonException) { return $"{FeatureSetManifest.ManifestFile} is unreadable"; }
        if (existing is null) return $"{FeatureSetManifest.ManifestFile} is unreadable";
        var keys = wanted.Select(p => p.Key).Union(existing.Select(p => p.Key))
            .Where(k => !JsonNode.DeepEquals(existing[k], wanted[k]))
            .Select(k => $"{k}: {Short(existing[k])} -> {Short(wanted[k])}");
        string text = string.Join("; ", keys);
        return text.Length > 300 ? text[..300] + "..." : text;
    }

    private static string Short(JsonNode? node)
    {
        string text = node?.ToJsonString() ?? "none";
        return text.Length > 80 ? text[..80] + "..." : text;
    }
}
