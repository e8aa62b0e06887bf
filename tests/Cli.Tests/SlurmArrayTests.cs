using System.Diagnostics;
using OnnxTransfer.Features;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Cli.Tests;

/// <summary>
/// A fact that needs a real Slurm: scripts/slurm-single-node.sh installs and starts one on this machine, which takes
/// root and apt (CI has both). Elsewhere it is reported as skipped, with the reason; without ../shared, likewise.
/// </summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "skipped: the single-node Slurm is for Linux";
        else if (Environment.UserName != "root") Skip = "skipped: starting a single-node Slurm (scripts/slurm-single-node.sh) needs root";
        else if (!File.Exists("/usr/bin/apt-get") && !File.Exists("/usr/sbin/slurmctld")) Skip = "skipped: no apt-get to install slurm-wlm";
        else if (SharedData.Root is null) Skip = "skipped: ../shared not found";
    }
}

/// <summary>
/// examples/slurm/extract-array.sh as a real job array (sbatch --array=0-3) on a single-node Slurm: four extract tasks,
/// two at a time on two CPUs, into one folder; `features verify` passes and the set equals one process's extraction.
/// </summary>
public class SlurmArrayTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private static readonly string Repo = SharedData.Repo;
    private static readonly string Script = Path.Combine(Repo, "scripts", "slurm-single-node.sh");

    [SlurmFact]
    public void A_four_task_slurm_job_array_extracts_the_set_one_process_extracts()
    {
        bool wasRunning = Run(TimeSpan.FromSeconds(30), "bash", Script, "status").Code == 0;
        var start = Run(TimeSpan.FromMinutes(15), "bash", Script, "start");
        Assert.True(start.Code == 0, $"slurm-single-node.sh start failed:\n{start.Out}\n{start.Error}");
        try
        {
            var env = Run(TimeSpan.FromSeconds(30), "bash", Script, "env").Out.Split('\n')
                .Select(l => l.Trim()).Where(l => l.StartsWith("export ", StringComparison.Ordinal))
                .Select(l => l["export ".Length..].Split('=', 2)).ToDictionary(p => p[0], p => p[1].Trim('\'', '"'));
            using var dir = new TempDir();
            string model = dir.File("mobilenet.onnx"), output = dir.File("features"), logs = dir.File("logs"), input = SharedData.Dataset("oxford_flowers17");
            Directory.CreateDirectory(logs);
            var import = Cli.Run("models", "import", "--keras", SharedData.Models("mobilenet_2_5_224_tf_no_top.h5"), "--arch", "mobilenet", "--alpha", "0.25", "-o", model);
            Assert.True(import.ExitCode == 0, import.Error);

            string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
            env["ONNX_TRANSFER"] = $"{dotnet} {Path.Combine(AppContext.BaseDirectory, "onnx-transfer.dll")}";
            var clock = Stopwatch.StartNew();
            // One CPU a task, so the two-CPU node runs two at once; --wait returns when all four have ended.
            var array = Run(TimeSpan.FromMinutes(10), env, "sbatch", "--wait", "--array=0-3", "--cpus-per-task=1", "-o", Path.Combine(logs, "%A_%a.out"),
                            Path.Combine(Repo, "examples", "slurm", "extract-array.sh"), input, model, "conv_pw_13_relu", output);
            clock.Stop();
            string taskLogs = string.Join("\n", Directory.GetFiles(logs).Order(StringComparer.Ordinal).Select(File.ReadAllText));
            Assert.True(array.Code == 0, $"sbatch exited {array.Code}: {array.Out}{array.Error}\n{taskLogs}");
            // The array's own span, from its tasks' start and end (sbatch --wait polls, so its return is late by up to 8 s).
            string job = System.Text.RegularExpressions.Regex.Match(array.Out, @"Submitted batch job (\d+)").Groups[1].Value;
            var times = System.Text.RegularExpressions.Regex.Matches(Run(TimeSpan.FromSeconds(30), env, "scontrol", "-o", "show", "job", job).Out,
                                                                     @"StartTime=(\S+) EndTime=(\S+)")
                .Select(m => (Start: DateTime.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
                              End: DateTime.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))).ToList();
            Assert.Equal(4, times.Count);
            for (int k = 0; k < 4; k++)
                Assert.Contains($"shard {k}/4 (SLURM_ARRAY_TASK_ID={k}, SLURM_ARRAY_TASK_COUNT=4), part-0000{k}.parquet: 340 images -> 340 rows, 0 errors", taskLogs);

            var verify = ChildCli.Run(TimeSpan.FromMinutes(2), "features", "verify", output);
            Assert.True(verify.ExitCode == 0, verify.Out + verify.Error);
            Assert.Contains("complete: 1,360 rows and 0 errors account for all 1,360 images, each once", verify.Out);

            var singleClock = Stopwatch.StartNew();
            var single = ChildCli.Run(TimeSpan.FromMinutes(5), "extract", input, "--model", model, "--layer", "conv_pw_13_relu", "--pool", "avg", "-o", dir.File("single"), "-q");
            singleClock.Stop();
            Assert.True(single.ExitCode == 0, single.Error);
            log.WriteLine($"sbatch --wait --array=0-3 of examples/slurm/extract-array.sh (1 CPU a task, 2 CPUs): returned after {clock.Elapsed.TotalSeconds:F1} s; " +
                          $"tasks ran from first start to last end in {(times.Max(t => t.End) - times.Min(t => t.Start)).TotalSeconds:F0} s (scontrol, whole seconds); " +
                          $"one process with both CPUs, same input: {singleClock.Elapsed.TotalSeconds:F1} s; 1,360 images");
            var union = FeatureSet.Load(output);
            var one = FeatureSet.Load(dir.File("single"));
            Assert.Equal(one.Paths, union.Paths);
            Assert.Equal(one.Labels, union.Labels);
            Assert.Equal(one.Splits, union.Splits);
            Assert.Equal(one.Classes, union.Classes);
            Assert.Equal(one.Features.ToArray(), union.Features.ToArray()); // bit for bit
        }
        finally
        {
            if (!wasRunning) Run(TimeSpan.FromMinutes(1), "bash", Script, "stop");
        }
    }

    private static (int Code, string Out, string Error) Run(TimeSpan timeout, string program, params string[] args) => Run(timeout, null, program, args);

    private static (int Code, string Out, string Error) Run(TimeSpan timeout, IReadOnlyDictionary<string, string>? env, string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) start.Environment[k] = v;
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds} s");
        }
        return (p.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}
