using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using OnnxTransfer.Bench.Common;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Training;

namespace OnnxTransfer.Bench.Peers;

/// <summary>Per-epoch seconds of bench/peers/head_torch.py with its version and thread count, or why it did not run.</summary>
public sealed record TorchEpochs(IReadOnlyList<double> Seconds, string Version, int Threads, string? Problem)
{
    /// <summary>The fastest epoch after the first (see <see cref="Head.HeadQuickBench.Warm"/>), or null when the peer did not run.</summary>
    public double? Warm => Seconds.Count > 0 ? Head.HeadQuickBench.Warm(Seconds) : null;
}

/// <summary>
/// Runs the PyTorch peer on exactly the rows, labels and validation split our trainer uses. The set goes to
/// x.npy, y.npy and splits.json in a temp folder because Debian's python3-torch comes with numpy but no Parquet reader.
/// </summary>
public static partial class TorchPeer
{
    private const string NotFound = "PyTorch not found (install python3-torch and python3-numpy, or put a python3 that can import torch on PATH)";

    // Debian's python first: a pyenv python3 earlier on PATH often has no numpy.
    private static readonly string[] Pythons = ["/usr/bin/python3", "python3"];
    /// <summary>
    /// glibc malloc settings for the peer: keep freed memory instead of returning it. By default glibc maps each block
    /// over 32 MiB afresh and unmaps it on free, so the 100 MB temporaries of torch's Adam step on the 25,088 x 1,024
    /// weight page-fault on every step: measured on the 2-core machine, epochs about 10x slower than with these. This
    /// is what PyTorch's CPU tuning guide gets at by recommending jemalloc or tcmalloc; we compare with torch at its best.
    /// </summary>
    private static readonly Dictionary<string, string> Allocator = new()
    {
        ["MALLOC_MMAP_MAX_"] = "0",
        ["MALLOC_TRIM_THRESHOLD_"] = "68719476736",
    };

    /// <summary>
    /// Trains <paramref name="options"/>' head, batch size, learning rate, dropout, epoch count and optimizer (Adam, or SGD with its momentum) in PyTorch on
    /// <paramref name="set"/>, with one intra-op thread per core as our SGEMM uses.
    /// </summary>
    public static TorchEpochs Run(FeatureSet set, TrainerOptions options)
    {
        string? script = SharedFiles.Repository is { } repo ? Path.Combine(repo, "bench", "peers", "head_torch.py") : null;
        if (script is null || !File.Exists(script)) return Failed("bench/peers/head_torch.py not found");
        if (FindPython() is not { } python) return Failed(NotFound);
        var dir = Directory.CreateTempSubdirectory("onnx-transfer-torch-peer-");
        try
        {
            NpyWriter.WriteFeatures(Path.Combine(dir.FullName, "x.npy"), set);
            NpyWriter.WriteInt64(Path.Combine(dir.FullName, "y.npy"), set.Labels);
            File.WriteAllText(Path.Combine(dir.FullName, "splits.json"), JsonSerializer.Serialize(SplitsAsUsed(set, options)));
            string I(IFormattable v) => v.ToString(null, CultureInfo.InvariantCulture);
            var (exit, output, errors) = Execute(python, script, dir.FullName, "--head", options.Head.ToString(), "--epochs", I(options.Epochs),
                "--batch-size", I(options.BatchSize), "--lr", I(options.LearningRate), "--dropout", I(options.Dropout),
                "--threads", I(Environment.ProcessorCount), "--optimizer", options.Optimizer == OptimizerKind.Sgd ? "sgd" : "adam", "--momentum", I(options.Momentum));
            var epochs = EpochLine().Matches(output);
            // A peer that died mid-run must not pass its cold first epoch off as the warm one.
            if (epochs.Count < options.Epochs)
                return Failed($"head_torch.py exited {exit}: {errors.Trim().Split('\n')[^1]}");
            return new TorchEpochs(epochs.Select(m => double.Parse(m.Groups["s"].Value, CultureInfo.InvariantCulture)).ToArray(),
                VersionLine().Match(output) is { Success: true } v ? $"{v.Groups["v"].Value} on {v.Groups["b"].Value}" : "?", int.Parse(epochs[^1].Groups["t"].Value, CultureInfo.InvariantCulture), null);
        }
        finally { dir.Delete(recursive: true); }
    }

    /// <summary>Each row's split with our trainer's held-out rows marked "val", so the peer holds out the same rows.</summary>
    private static string[] SplitsAsUsed(FeatureSet set, TrainerOptions options)
    {
        var splits = (string[])set.Splits.Clone();
        foreach (int row in DataSplits.Of(set, options).Val) splits[row] = FeatureSet.Val;
        return splits;
    }

    private static string? FindPython() =>
        Pythons.FirstOrDefault(python => Execute(python, "-c", "import torch, numpy").Exit == 0);

    private static (int Exit, string Output, string Errors) Execute(string program, params string[] args) => PeerProcess.Run(program, Allocator, args);

    private static TorchEpochs Failed(string problem) => new([], "", 0, problem);

    [GeneratedRegex(@"epoch \d+: (?<s>[0-9.]+) s CPU \((?<t>\d+) threads\)")]
    private static partial Regex EpochLine();

    [GeneratedRegex(@"^torch (?<v>\S+) on CPU, \d+ threads, BLAS (?<b>[^\n]+)$", RegexOptions.Multiline)]
    private static partial Regex VersionLine();
}
