using OnnxTransfer.Cli.Demo;
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
    public void A_second_extract_into_a_busy_folder_fails_at_once_naming_the_holder_and_kill_9_frees_it()
    {
        string output = data.File("locked");
        string lockFile = Path.Combine(output, FolderLock.FileName);
        using (var first = ChildCli.Start(data.Args(output)))
        {
            first.WaitUntil(() => File.Exists(lockFile) && new FileInfo(lockFile).Length > 0, Limit, "lock");
            var second = ChildCli.Run(TimeSpan.FromSeconds(30), data.Args(output));
            Assert.Equal(2, second.ExitCode);
            Assert.Equal([$"error: Folder '{output}' is in use by another onnx-transfer process (pid {first.Pid}, extract); wait for it to finish, stop it, or choose another folder."],
                second.ErrorLines);
            first.Signal("KILL"); // the kernel releases the lock: nothing stale to clean up
            first.Wait(Limit);
        }
        var third = ChildCli.Run(Limit, data.Args(output));
        Assert.True(third.ExitCode == 0, third.Error);
        Assert.Equal(data.CleanShards, SlowExtraction.Shards(output));
    }
}
