using System.CommandLine;
using System.Globalization;
using OnnxTransfer.Features;

namespace OnnxTransfer.Cli.Commands;

/// <summary>`onnx-transfer features verify DIR`: is a (sharded) feature folder complete and consistent?</summary>
public static class FeaturesCommand
{
    /// <summary>The exit code of a folder that is incomplete or inconsistent (2 stays a usage or input error).</summary>
    public const int IncompleteExitCode = 1;

    /// <summary>Missing images listed without --all.</summary>
    private const int Listed = 20;

    public static Command Create()
    {
        var features = new Command("features", "Inspect feature folders written by extract.");
        var folder = new Argument<string>("folder") { Description = "A feature folder (the -o of extract; of every shard task, when sharded)." };
        var all = new Option<bool>("--all") { Description = $"List every missing or duplicate image (default: the first {Listed})." };
        var verify = new Command("verify",
            "Check that every shard of an extraction is finished and consistent (same model, settings, class list and shard count) and that every input image " +
            "is there exactly once, as a row or in errors.tsv; exits 1 when not, naming the shards to rerun.")
        {
            folder, all,
        };
        verify.SetAction(parse =>
        {
            var result = FeatureSet.Verify(parse.GetValue(folder)!);
            Print(result, parse.GetValue(all));
            return result.IsComplete ? 0 : IncompleteExitCode;
        });
        features.Subcommands.Add(verify);
        return features;
    }

    private static void Print(FeatureSetVerification v, bool all)
    {
        var o = Console.Out;
        o.WriteLine($"{v.Directory}: {N(v.Images)} images in {N(v.PartFiles)} part files, {(v.ShardCount == 1 ? "extracted as one shard" : $"{v.ShardCount} shards")}");
        foreach (var s in v.Shards)
        {
            string parts = s.Parts == 0 ? "no part files" : s.Parts == 1 ? FeatureFormat.ShardName(s.FirstPart)
                : $"{FeatureFormat.ShardName(s.FirstPart)}..{FeatureFormat.ShardName(s.FirstPart + s.Parts - 1)}";
            string state = s.Complete ? "complete  " : "unfinished";
            o.WriteLine($"  shard {s.Index}/{s.Count}  {state}  {parts}: {s.FinishedParts} of {s.Parts} finished, {N(s.Images)} images -> {N(s.Rows)} rows, {N(s.Errors)} errors");
        }
        List("missing", v.MissingImages, all, "images with neither a row nor an error");
        List("duplicate", v.DuplicateImages, all, "images with more rows or errors than the input lists them");
        if (!v.InputsKnown) o.WriteLine($"  (no {FeatureFormat.InputsFile}: this folder predates it, so missing images are counted by part, not named)");
        foreach (string p in v.Problems) o.WriteLine($"problem: {LibraryTerms.ToCli(p)}");

        int unfinished = v.Shards.Count(s => !s.Complete);
        if (v.IsComplete)
            o.WriteLine($"complete: {N(v.Rows)} rows and {N(v.Errors)} errors account for all {N(v.Images)} images, each once");
        else if (unfinished > 0)
            o.WriteLine($"incomplete: {unfinished} of {v.ShardCount} shard(s) unfinished ({string.Join(", ", v.Shards.Where(s => !s.Complete).Take(10).Select(s => $"{s.Index}/{s.Count}"))}" +
                        $"{(unfinished > 10 ? ", ..." : "")}); rerun each with the command the others ran (--shard K/N, or the same array index), then verify again");
        else
            o.WriteLine($"inconsistent: every shard is finished but {v.Problems.Count + (v.MissingImages.Count > 0 ? 1 : 0) + (v.DuplicateImages.Count > 0 ? 1 : 0)} problem(s) above; fix them, then verify again");
    }

    private static void List(string what, IReadOnlyList<string> paths, bool all, string meaning)
    {
        if (paths.Count == 0)
        {
            Console.Out.WriteLine($"{what}: none");
            return;
        }
        Console.Out.WriteLine($"{what}: {N(paths.Count)} ({meaning})");
        foreach (string p in all ? paths : paths.Take(Listed)) Console.Out.WriteLine($"  {p}");
        if (!all && paths.Count > Listed) Console.Out.WriteLine($"  ... {N(paths.Count - Listed)} more (--all lists them)");
    }

    private static string N(int n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
