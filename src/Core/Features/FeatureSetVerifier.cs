using System.Text.Json;

namespace OnnxTransfer.Features;

/// <summary>
/// Checks a feature folder as a whole, collecting every problem rather than stopping at the first (readers stop at the
/// first: <see cref="FeatureSetManifest.Verify"/>). Reads each finished part's identity columns, not its features.
/// </summary>
internal static class FeatureSetVerifier
{
    public static FeatureSetVerification Verify(string dir)
    {
        if (!Directory.Exists(dir))
            throw new OnnxTransferException($"Feature directory '{dir}' does not exist; create it with onnx-transfer extract.");
        var (images, perShard, tasks) = FeatureSetManifest.Expected(dir);
        var settings = FeatureSetManifest.Settings(dir);
        int parts = (images + perShard - 1) / perShard;
        var problems = new List<string>();
        string[] classes = ReadClasses(dir, problems);
        var inputs = Inputs(dir, images, settings, problems);

        // How often each path should occur (a list file may name an image twice) and how often it does.
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var finished = new bool[parts];
        var rows = new int[parts];
        var errors = new int[parts];
        var files = Directory.GetFiles(dir, FeatureFormat.ShardPattern).Select(f => Path.GetFileName(f)).ToHashSet(StringComparer.Ordinal);
        string? model = settings?["model_sha256"]?.GetValue<string>();
        int views = settings?["augment"] is System.Text.Json.Nodes.JsonObject augment ? augment["views"]?.GetValue<int>() ?? 0 : 0;
        var viewRows = new Dictionary<string, int>(StringComparer.Ordinal); // augmented rows per image
        for (int k = 0; k < parts; k++)
        {
            files.Remove(FeatureFormat.ShardName(k));
            string owner = $"shard {FeatureSetManifest.OwnerOf(k, tasks, parts)}/{tasks}";
            ShardRecord? record;
            try { record = FeatureSetManifest.ReadRecord(dir, k); }
            catch (OnnxTransferException e) { problems.Add($"{e.Message} ({owner})"); continue; }
            if (record is null)
            {
                if (inputs is null) problems.Add($"{FeatureFormat.ShardName(k)} of {owner} is not finished (images {k * perShard}-{Math.Min(images, (k + 1) * perShard) - 1}).");
                continue;
            }
            if (FeatureSetManifest.SettingsProblem(dir, record, settings, tasks, parts) is { } problem)
            {
                problems.Add(problem);
                continue;
            }
            finished[k] = true;
            errors[k] = record.Errors.Count;
            var expected = inputs?.Skip(k * perShard).Take(Math.Min(perShard, images - k * perShard)).Select(i => i.Path).ToHashSet(StringComparer.Ordinal);
            foreach (var e in record.Errors) Count(seen, e[0], expected, k, owner, problems);
            if (record.Rows == 0) continue;
            string file = Path.Combine(dir, FeatureFormat.ShardName(k));
            try
            {
                if (!File.Exists(file)) throw new OnnxTransferException($"Shard '{file}' is missing (its record says {record.Rows} rows); rerun {owner} to write it again.");
                FeatureSetManifest.CheckIntegrity(file, record);
                using var reader = ShardReader.Open(file, $"rerun {owner}");
                string hash = reader.Metadata.TryGetValue(FeatureFormat.ModelHashKey, out var h) ? h : "";
                if (model is not null && hash != model)
                    throw new OnnxTransferException($"Part '{file}' ({owner}) was extracted with model sha256 {hash}, not the manifest's {model}; it does not belong to this feature set.");
                for (int g = 0; g < reader.RowGroupCount; g++)
                    foreach (var key in reader.ReadGroup(g, []))
                    {
                        rows[k]++;
                        if (key.View > 0) viewRows[key.Path] = viewRows.GetValueOrDefault(key.Path) + 1;
                        else Count(seen, key.Path, expected, k, owner, problems);
                        if (key.LabelIndex != FeatureFormat.NoLabel && (key.LabelIndex >= classes.Length || classes[key.LabelIndex] != key.Label))
                            problems.Add($"Part '{file}' ({owner}) row '{key.Path}' is labelled '{key.Label}' with index {key.LabelIndex}, which {FeatureFormat.ClassesFile} does not give that name.");
                    }
                if (rows[k] != record.Rows) problems.Add($"Part '{file}' ({owner}) holds {rows[k]} rows but its record says {record.Rows}.");
            }
            catch (OnnxTransferException e) { problems.Add(e.Message); }
        }
        foreach (string stray in files.Order(StringComparer.Ordinal))
            problems.Add($"'{Path.Combine(dir, stray)}' is not a part of this feature set ({parts} part files); remove it.");

        var want = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var i in inputs ?? []) want[i.Path] = want.GetValueOrDefault(i.Path) + 1;
        var missing = inputs is null ? [] : inputs.Select(i => i.Path).Distinct().Where(p => seen.GetValueOrDefault(p) < want[p]).ToList();
        var duplicates = seen.Where(p => p.Value > Math.Max(1, want.GetValueOrDefault(p.Key))).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        // An image with rows has all its views (they are made and written with it), or something rewrote the parts.
        var errored = Enumerable.Range(0, parts).Where(k => finished[k]).SelectMany(k => FeatureSetManifest.ReadRecord(dir, k)!.Errors.Select(e => e[0])).ToHashSet(StringComparer.Ordinal);
        foreach (var (path, label, split) in (inputs ?? []).DistinctBy(i => i.Path))
        {
            int expectedViews = views > 0 && FeatureFormat.GetsViews(label, split) && seen.ContainsKey(path) && !errored.Contains(path) ? views : 0;
            int found = viewRows.GetValueOrDefault(path);
            if (found < expectedViews) missing.Add($"{path} ({expectedViews - found} of its {expectedViews} views)");
            else if (found > expectedViews) duplicates.Add($"{path} ({found} views, {expectedViews} expected)");
        }
        var shards = Enumerable.Range(0, tasks).Select(t =>
        {
            var (first, end) = FeatureSetManifest.PartsOf(t, tasks, parts);
            var mine = Enumerable.Range(first, end - first).ToList();
            return new ShardState(t, tasks, first, end - first, mine.Count(k => finished[k]), mine.Sum(k => Math.Min(perShard, images - k * perShard)),
                                  mine.Sum(k => rows[k]), mine.Sum(k => errors[k]));
        }).ToList();
        return new FeatureSetVerification(dir, images, parts, shards, missing, duplicates, problems, inputs is not null);
    }

    /// <summary>Counts one occurrence of <paramref name="path"/> in part <paramref name="part"/>, which should hold only its own range of the input.</summary>
    private static void Count(Dictionary<string, int> seen, string path, HashSet<string>? expected, int part, string owner, List<string> problems)
    {
        seen[path] = seen.GetValueOrDefault(path) + 1;
        // One line per part: the first stray image names the problem.
        if (expected is not null && !expected.Contains(path) && !problems.Any(p => p.StartsWith($"{FeatureFormat.ShardName(part)} ", StringComparison.Ordinal)))
            problems.Add($"{FeatureFormat.ShardName(part)} ({owner}) holds '{path}', which is not among the images of that part in {FeatureFormat.InputsFile}.");
    }

    private static List<(string Path, string Label, string Split)>? Inputs(string dir, int images, System.Text.Json.Nodes.JsonObject? settings, List<string> problems)
    {
        List<(string Path, string Label, string Split)>? inputs;
        try { inputs = FeatureSetManifest.ReadInputs(dir); }
        catch (OnnxTransferException e)
        {
            problems.Add(e.Message);
            return null;
        }
        if (inputs is null) return null;
        string? recorded = settings?["inputs_sha256"]?.GetValue<string>();
        if (inputs.Count != images || (recorded is not null && FeatureSetManifest.InputsSha256(inputs) != recorded))
        {
            problems.Add($"'{Path.Combine(dir, FeatureFormat.InputsFile)}' ({inputs.Count} images) is not the input list of '{Path.Combine(dir, FeatureSetManifest.ManifestFile)}' " +
                         $"({images} images); it was changed after extraction: extract the features again with `Overwrite`.");
            return null;
        }
        return inputs;
    }

    private static string[] ReadClasses(string dir, List<string> problems)
    {
        string path = Path.Combine(dir, FeatureFormat.ClassesFile);
        try
        {
            if (File.Exists(path)) return JsonSerializer.Deserialize<string[]>(File.ReadAllText(path)) ?? [];
            problems.Add($"Feature set '{dir}' has no {FeatureFormat.ClassesFile}; rerun any shard of the extraction to write it.");
        }
        catch (JsonException) { problems.Add($"'{path}' is not a JSON list of class names; rerun any shard of the extraction to write it again."); }
        return [];
    }
}
