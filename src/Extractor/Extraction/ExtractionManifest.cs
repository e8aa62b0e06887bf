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

    private ExtractionManifest(string dir, List<string> warnings, string task, JsonObject fingerprint)
    {
        _dir = dir;
        _warnings = warnings;
        _task = task;
        _fingerprint = fingerprint;
    }

    private readonly string _task;
    private readonly JsonObject _fingerprint;

    /// <summary>
    /// A piece of shard <paramref name="Shard"/>: the images from the previous piece's end (or the shard's start) to
    /// <paramref name="End"/> (a run-wide image index, exclusive), with its rows in piece file number <paramref name="Piece"/>
    /// (none when <paramref name="Rows"/> is 0) and the images that failed.
    /// </summary>
    public sealed record PieceRecord(int Shard, int Piece, int End, int Rows, List<string[]> Errors, long Bytes, string Sha256);

    /// <summary>
    /// Opens (or starts) the folder for a run with <paramref name="fingerprint"/> over <paramref name="inputs"/>, checking it
    /// matches earlier runs, as shard task <paramref name="shard"/> writing <paramref name="parts"/> (the first and end part
    /// file). Shard tasks share the folder: the first to start writes manifest.json and inputs.tsv, which no task ever
    /// rewrites, and each tidies only its own parts' leftovers, while a run holding the folder alone (<paramref name="folderLock"/>)
    /// tidies everything. <paramref name="warnings"/> collects what the user should hear (a damaged shard to be redone).
    /// </summary>
    public static ExtractionManifest Open(string dir, JsonObject fingerprint, IEnumerable<(string Path, string Label, string Split)> inputs,
                                          ExtractionShard shard, (int First, int End) parts, FolderLock folderLock, bool overwrite, List<string> warnings)
    {
        string manifestPath = Path.Combine(dir, FeatureSetManifest.ManifestFile);
        string wanted = fingerprint.ToJsonString(Indented);
        if (overwrite)
        {
            if (!folderLock.Exclusive)
                throw new OnnxTransferException(
                    $"`Overwrite` cannot be combined with `Shard` {shard}: the shard tasks share '{dir}', so one would delete the others' work; " +
                    "delete the folder (or choose another) before starting the tasks.");
            Clear(dir);
        }
        // Looked at before the manifest: a run writes the manifest before anything else, so outputs without one are foreign.
        bool hasOutputs = Directory.EnumerateFiles(dir, FeatureFormat.ShardPattern).Any() || Directory.Exists(Path.Combine(dir, FeatureSetManifest.ProgressDir));
        if (!File.Exists(manifestPath))
        {
            if (Foreign(dir) is { } foreign)
                throw new OnnxTransferException(
                    $"Output folder '{dir}' holds files that are not a feature set ('{foreign}'); extract into a new or empty folder (it may lie inside the photo folder).");
            if (hasOutputs)
                throw new OnnxTransferException($"Output folder '{dir}' has feature shards but no {FeatureSetManifest.ManifestFile}; choose another output folder or start again with `Overwrite`.");
            // Of shard tasks starting together, one writes it; the others compare theirs with it below.
            AtomicFile.TryCreateNew(manifestPath, wanted);
        }
        var existing = WithAddedKeys(File.ReadAllText(manifestPath));
        if (existing is null || !JsonNode.DeepEquals(existing, fingerprint))
            throw new OnnxTransferException(
                $"Output folder '{dir}' holds features extracted with different settings or inputs ({Differences(existing, fingerprint)}); " +
                (folderLock.Exclusive
                    ? "rerun with the same options and input to resume, choose another output folder, or start again with `Overwrite`."
                    : $"every shard task of one folder needs the same model, options, input and shard count: give shard {shard} the command the others ran, or choose another output folder."));
        // The image list the manifest's inputs_sha256 covers, so `features verify` can name the images a set lacks.
        string inputsPath = Path.Combine(dir, FeatureFormat.InputsFile);
        if (!File.Exists(inputsPath)) AtomicFile.TryCreateNew(inputsPath, FeatureSetManifest.InputsText(inputs));

        string progress = Path.Combine(dir, FeatureSetManifest.ProgressDir);
        Directory.CreateDirectory(progress);
        foreach (string folder in new[] { dir, progress })
        {
            if (folderLock.Exclusive) RemoveStaleTemps(folder, ".*.tmp");
            else
                for (int k = parts.First; k < parts.End; k++)
                {
                    RemoveStaleTemps(folder, $".part-{k:D5}.*.tmp");
                    RemoveStaleTemps(folder, $".shard-{k:D5}.*.tmp");
                }
        }
        return new ExtractionManifest(dir, warnings, shard.ToString(), fingerprint);
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

    /// <summary>Records a finished shard, with the task that wrote it and the settings it was written under.</summary>
    public void MarkFinished(ShardRecord record) =>
        FeatureSetManifest.WriteRecord(_dir, record with { Task = _task, Settings = (JsonObject)_fingerprint.DeepClone() });

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
    /// The manifest as JSON, with the keys added since an older version wrote it (<see cref="RunMetadata.AddedKeys"/>)
    /// set to the values it implies; null when it is unreadable. Compared as JSON, so the keys' order does not matter.
    /// </summary>
    private static JsonObject? WithAddedKeys(string manifest)
    {
        JsonObject? node;
        try { node = JsonNode.Parse(manifest) as JsonObject; }
        catch (JsonException) { return null; }
        if (node is null) return null;
        foreach (var (key, value) in RunMetadata.AddedKeys)
            if (!node.ContainsKey(key)) node[key] = value.DeepClone();
        return node;
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Deletes this tool's outputs in the folder (only those: the folder may hold other files).</summary>
    private static void Clear(string dir)
    {
        foreach (string f in Directory.EnumerateFiles(dir, FeatureFormat.ShardPattern).Concat(Directory.EnumerateFiles(dir, FeatureFormat.ShardSummaryPattern))) File.Delete(f);
        foreach (string name in new[] { FeatureSetManifest.ManifestFile, FeatureFormat.ClassesFile, FeatureFormat.SummaryFile, FeatureFormat.ErrorsFile, FeatureFormat.BackboneFile, FeatureFormat.InputsFile })
            File.Delete(Path.Combine(dir, name));
        string progress = Path.Combine(dir, FeatureSetManifest.ProgressDir);
        if (Directory.Exists(progress)) Directory.Delete(progress, recursive: true);
    }

    /// <summary>The first entry of <paramref name="dir"/> that no extraction writes, or null: a folder of someone's files is never a target.</summary>
    private static string? Foreign(string dir)
    {
        string[] ours = [FeatureSetManifest.ManifestFile, FeatureSetManifest.ProgressDir, FeatureFormat.ClassesFile, FeatureFormat.SummaryFile, FeatureFormat.ErrorsFile,
                         FeatureFormat.BackboneFile, FeatureFormat.InputsFile];
        return Directory.EnumerateFileSystemEntries(dir).Select(e => Path.GetFileName(e)).Order(StringComparer.Ordinal).FirstOrDefault(name =>
            !ours.Contains(name) && !name.StartsWith(".onnx-transfer", StringComparison.Ordinal) && !(name.StartsWith('.') && name.EndsWith(".tmp", StringComparison.Ordinal))
            && !(name.StartsWith("part-", StringComparison.Ordinal) && name.EndsWith(".parquet", StringComparison.Ordinal))
            && !(name.StartsWith("summary.shard-", StringComparison.Ordinal) && name.EndsWith(".json", StringComparison.Ordinal)));
    }

    /// <summary>Temp files AtomicFile leaves when a process is killed between write and rename.</summary>
    private static void RemoveStaleTemps(string dir, string pattern)
    {
        foreach (string f in Directory.EnumerateFiles(dir, pattern)) File.Delete(f);
    }

    private static string Differences(JsonObject? existing, JsonObject wanted)
    {
        if (existing is null) return $"{FeatureSetManifest.ManifestFile} is unreadable";
        var keys = wanted.Select(p => p.Key).Union(existing.Select(p => p.Key)).Where(k => !JsonNode.DeepEquals(existing[k], wanted[k]));
        return FeatureSetManifest.Differences(existing, wanted, keys);
    }
}
