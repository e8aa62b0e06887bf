using OnnxTransfer.Cli.Demo;
using OnnxTransfer.Features;
using OnnxTransfer.IO;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Cli.Tests;

/// <summary>A random-weights MobileNet, 300 generated photos, and the shards of one uninterrupted extraction of them.</summary>
public sealed class SlowExtraction : IDisposable
{
    private readonly TempDir _dir = new();

    public SlowExtraction()
    {
        Model = _dir.File("mobilenet.onnx");
        Assert.Equal(0, Cli.Run("models", "import", "--random-weights", "--arch", "mobilenet", "--alpha", "0.25", "--seed", "1", "-o", Model).ExitCode);
        Images = _dir.File("photos");
        SyntheticTextures.Generate(Images, trainPerClass: 75, valPerClass: 25, seed: 3, size: 96);
        var clean = Cli.Run(Args(_dir.File("clean")));
        Assert.True(clean.ExitCode == 0, clean.Error);
        CleanShards = Shards(_dir.File("clean"));
    }

    public string Model { get; }
    public string Images { get; }
    public const int ImageCount = 300;

    /// <summary>sha256 of each part-*.parquet of an uninterrupted run.</summary>
    public IReadOnlyDictionary<string, string> CleanShards { get; }

    public string File(params string[] parts) => _dir.File(parts);

    /// <summary>A deliberately slow extraction (one thread, a large input size) so a test can act in the middle of it.</summary>
    public string[] Args(string output, params string[] extra) =>
        ["extract", Images, "--model", Model, "--layer", "conv_pw_13_relu", "--pool", "avg", "--input-size", "896", "--threads", "1",
         "--batch-size", "4", "--device", "cpu", "-o", output, "-q", .. extra];

    public static Dictionary<string, string> Shards(string dir) =>
        Directory.GetFiles(dir, "part-*.parquet").Order(StringComparer.Ordinal).ToDictionary(f => Path.GetFileName(f), Hashing.Sha256File);

    public void Dispose() => _dir.Dispose();
}

/// <summary>
/// A fact that needs SIGINT to reach a child process: a process started in the background by a non-interactive
/// shell (cmd &amp;) ignores SIGINT, its children inherit that and .NET leaves an ignored SIGINT ignored, so there
/// the test is reported as skipped with the reason rather than failed.
/// </summary>
public sealed class SigintFactAttribute : FactAttribute
{
    public SigintFactAttribute()
    {
        if (SigintIgnored()) Skip = "skipped: SIGINT is ignored in this test process (started in the background?) and children inherit that; run the tests in the foreground";
    }

    /// <summary>Bit 1 (signal 2, SIGINT) of the SigIgn mask in /proc/self/status.</summary>
    private static bool SigintIgnored()
    {
        if (!File.Exists("/proc/self/status")) return false;
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & 2) != 0;
    }
}

/// <summary>What the real CLI does when it is signalled, killed, locked out or runs out of disk, each in a child process.</summary>
public class ProcessTests(SlowExtraction data) : IClassFixture<SlowExtraction>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    private static bool HasPiece(string output) =>
        Directory.Exists(Path.Combine(output, ".progress")) && Directory.EnumerateFiles(Path.Combine(output, ".progress"), "shard-*.piece-*.json").Any();

    [Fact]
    public void SIGTERM_stops_extract_saving_what_is_done_and_the_rerun_ends_with_a_clean_runs_bytes() => SignalStopsExtract("TERM", 143);

    [SigintFact]
    public void SIGINT_stops_extract_saving_what_is_done_and_the_rerun_ends_with_a_clean_runs_bytes() => SignalStopsExtract("INT", 130);

    private void SignalStopsExtract(string signal, int exitCode)
    {
        string output = data.File($"signalled-{signal}");
        using (var child = ChildCli.Start(data.Args(output, "--checkpoint-seconds", "1")))
        {
            child.WaitUntil(() => HasPiece(output), Limit, "checkpoint");
            child.Signal(signal);
            var r = child.Wait(Limit);
            Assert.True(exitCode == r.ExitCode, $"exit {r.ExitCode}; stderr:\n{r.Error}");
            Assert.Matches(@"cancelled: \d+ of 300 images done and saved in .*; rerun the same command to continue", r.Error);
            Assert.DoesNotContain("   at ", r.Error);
        }
        Assert.Empty(Directory.GetFiles(output, "*.tmp", SearchOption.AllDirectories)); // no hidden half-written shard
        int saved = int.Parse(System.Text.RegularExpressions.Regex.Match(File.ReadAllText(Path.Combine(output, ".progress", "shard-00000.piece-000.json")), "\"End\":(\\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(saved > 0);

        var rerun = ChildCli.Run(Limit, data.Args(output));
        Assert.True(rerun.ExitCode == 0, rerun.Error);
        Assert.Matches(@"300 images -> 300 rows, 0 errors \(\d+ done by an earlier run\)", rerun.Out);
        Assert.Equal(data.CleanShards, SlowExtraction.Shards(output));
    }

    [Fact]
    public void Kill_9_loses_at_most_the_work_since_the_last_checkpoint()
    {
        string output = data.File("killed");
        using (var child = ChildCli.Start(data.Args(output, "--checkpoint-seconds", "1")))
        {
            child.WaitUntil(() => HasPiece(output), Limit, "checkpoint");
            child.Signal("KILL");
            child.Wait(Limit);
        }
        var rerun = ChildCli.Run(Limit, data.Args(output));
        Assert.True(rerun.ExitCode == 0, rerun.Error);
        var done = System.Text.RegularExpressions.Regex.Match(rerun.Out, @"\((\d+) done by an earlier run\)");
        Assert.True(done.Success && int.Parse(done.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, rerun.Out); // the checkpoints survived kill -9
        Assert.Empty(Directory.GetFiles(output, "*.tmp", SearchOption.AllDirectories));
        Assert.Equal(data.CleanShards, SlowExtraction.Shards(output));
    }

    [Fact]
    public void Shard_tasks_share_a_folder_and_one_killed_with_kill_9_then_rerun_alone_leaves_the_set_one_run_would_write()
    {
        string output = data.File("sharded");
        string[] Shard(int k, params string[] extra) => data.Args(output, ["--shard", $"{k}/4", .. extra]);
        using (var second = ChildCli.Start(Shard(1, "--checkpoint-seconds", "1")))
        {
            second.WaitUntil(() => Directory.Exists(Path.Combine(output, ".progress")) &&
                                   Directory.EnumerateFiles(Path.Combine(output, ".progress"), "shard-00001.piece-*.json").Any(), Limit, "a checkpoint of shard 1/4");
            second.Signal("KILL");
            second.Wait(Limit);
        }
        using (var first = ChildCli.Start(Shard(0)))
        {
            string taskLock = Path.Combine(output, ".onnx-transfer.shard-0-of-4.lock");
            first.WaitUntil(() => File.Exists(taskLock) && new FileInfo(taskLock).Length > 0, Limit, "shard 0/4's lock");
            // Paused, it holds its locks for as long as the checks take: a second copy of a running task is refused,
            // and so is a whole-folder run.
            first.Signal("STOP");
            try
            {
                var copy = ChildCli.Run(TimeSpan.FromSeconds(30), Shard(0));
                Assert.Equal(2, copy.ExitCode);
                Assert.Contains($"shard-0-of-4 of folder '{output}' is being written by another onnx-transfer process (pid {first.Pid} on {Environment.MachineName}, extract shard 0/4)", copy.Error);
                var whole = ChildCli.Run(TimeSpan.FromSeconds(30), data.Args(output));
                Assert.Equal(2, whole.ExitCode);
                Assert.Contains($"Folder '{output}' is in use by another onnx-transfer process", whole.Error);
            }
            finally { first.Signal("CONT"); }
            var done = first.Wait(Limit);
            Assert.True(done.ExitCode == 0, done.Error);
            Assert.Contains("shard 0/4 (--shard), part-00000.parquet: 75 images -> 75 rows, 0 errors", done.Out);
        }
        var incomplete = ChildCli.Run(Limit, "features", "verify", output);
        Assert.Equal(1, incomplete.ExitCode);
        Assert.Contains("  shard 1/4  unfinished  part-00001.parquet: 0 of 1 finished, 75 images -> 0 rows, 0 errors", incomplete.Out);
        Assert.Contains("missing: 225 (images with neither a row nor an error)", incomplete.Out);
        Assert.Contains("incomplete: 3 of 4 shard(s) unfinished (1/4, 2/4, 3/4)", incomplete.Out);

        var rerun = ChildCli.Run(Limit, Shard(1));
        Assert.True(rerun.ExitCode == 0, rerun.Error);
        Assert.Matches(@"shard 1/4 \(--shard\), part-00001.parquet: 75 images -> 75 rows, 0 errors \([1-9]\d* done by an earlier run\)", rerun.Out);
        using (var third = ChildCli.Start(Shard(2)))
        using (var fourth = ChildCli.Start(Shard(3)))
        {
            foreach (var r in new[] { third.Wait(Limit), fourth.Wait(Limit) }) Assert.True(r.ExitCode == 0, r.Error);
        }
        var verify = ChildCli.Run(Limit, "features", "verify", output);
        Assert.True(verify.ExitCode == 0, verify.Out + verify.Error);
        Assert.Contains("complete: 300 rows and 0 errors account for all 300 images, each once", verify.Out);
        Assert.Empty(Directory.GetFiles(output, "*.tmp", SearchOption.AllDirectories));

        var union = FeatureSet.Load(output);
        var one = FeatureSet.Load(data.File("clean"));
        Assert.Equal(one.Paths, union.Paths);
        Assert.Equal(one.Labels, union.Labels);
        Assert.Equal(one.Features.ToArray(), union.Features.ToArray());
    }

    [Fact]
    public void A_second_extract_into_a_busy_folder_fails_at_once_naming_the_holder_and_kill_9_frees_it()
    {
        string output = data.File("locked");
        string lockFile = Path.Combine(output, FolderLock.FileName);
        using (var first = ChildCli.Start(data.Args(output)))
        {
            first.WaitUntil(() => File.Exists(lockFile) && new FileInfo(lockFile).Length > 0, Limit, "lock");
            var second = ChildCli.Run(TimeSpan.FromSeconds(30), data.Args(output));
            Assert.Equal(2, second.ExitCode);
            Assert.Equal([$"error: Folder '{output}' is in use by another onnx-transfer process (pid {first.Pid} on {Environment.MachineName}, extract); wait for it to finish, stop it, or choose another folder."],
                second.ErrorLines);
            first.Signal("KILL"); // the kernel releases the lock: nothing stale to clean up
            first.Wait(Limit);
        }
        var third = ChildCli.Run(Limit, data.Args(output));
        Assert.True(third.ExitCode == 0, third.Error);
        Assert.Equal(data.CleanShards, SlowExtraction.Shards(output));
    }
}
