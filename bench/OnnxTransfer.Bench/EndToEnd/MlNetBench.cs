using System.Globalization;
using OnnxTransfer.Bench.Common;
using OnnxTransfer.Bench.Peers;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Extractor.Runtime;

namespace OnnxTransfer.Bench.EndToEnd;

/// <summary>A goal row for the e2e goals table and the section's own.</summary>
public sealed record GoalRow(string Goal, string Measured, string Met);

/// <summary>
/// One comparison: a model over a data set's photos, with or without training. <see cref="Rounds"/> alternating rounds
/// (ours, ML.NET, ours, ...) keep each side's fastest, so a burst of load from another program on a shared machine
/// rarely lands on one side alone; cases that train have one, their passes being long and many.
/// </summary>
internal sealed record MlNetCase(BenchModel Model, string Dataset, int Photos, bool Train, IReadOnlyList<string> Variants, bool CropReference, int Rounds = 1);

/// <summary>What one case measured on each side; <see cref="Problem"/> says why the ML.NET side is missing.</summary>
internal sealed record MlNetMeasured(MlNetCase Case, OursRun Ours, OursRun? OursCrop, MlNetReport? Peer, string? Problem)
{
    public MlNetFeaturization? Featurization(string variant) => Peer?.Featurizations.FirstOrDefault(f => f.Variant == variant);

    public MlNetTraining? Training(string trainer, string features) => Peer?.Trainings.FirstOrDefault(t => t.Trainer == trainer && t.Features == features);
}

/// <summary>
/// ML.NET as a measured peer: for each case, `extract` (in a fresh child process, <see cref="MlNetOursChild"/>) and the
/// ML.NET pipeline a user would write (bench/peers/mlnet, its own process) over the same photos with the same backbone.onnx
/// and ORT threads; then `train --head linear` and ML.NET's LbfgsMaximumEntropy and SdcaMaximumEntropy on the same
/// features, and ML.NET's trainers on ML.NET's own features. Written as its own BENCHMARKS.md section
/// (<see cref="SectionName"/>) by the `mlnet` verb and by e2e.
/// </summary>
public static class MlNetBench
{
    public const string SectionName = "mlnet-peer";
    public const double ExtractionGoal = 1.5, TrainingGoal = 5;
    internal const int Warmup = 32;
    internal const string Pipeline = "isocrop-rgb";

    /// <summary>`mlnet [--quick] [--threads N] [--out FILE]`: only this section, written into FILE between its markers.</summary>
    public static int Run(string[] args)
    {
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is "--threads" or "--out" && i + 1 < args.Length) i++;
            else if (args[i] != "--quick")
            {
                Console.Error.WriteLine($"error: unknown or incomplete option '{args[i]}'; usage: mlnet [--quick] [--threads N] [--out FILE]");
                return 2;
            }
        }
        bool quick = args.Contains("--quick");
        int threads = Arg(args, "--threads") is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : 0;
        string command = $"dotnet run -c Release --project bench/OnnxTransfer.Bench -- mlnet {string.Join(' ', args)}".TrimEnd();
        var (section, _) = Measure(threads, quick, command);
        Console.WriteLine();
        Console.WriteLine(section);
        if (Arg(args, "--out") is { } output)
        {
            ReportSections.Replace(output, SectionName, section);
            Console.WriteLine($"wrote the {SectionName} section of {Path.GetFullPath(output)}");
        }
        return 0;
    }

    /// <summary>Measures every case and returns the section's markdown and its goal rows.</summary>
    public static (string Markdown, IReadOnlyList<GoalRow> Goals) Measure(int threads, bool quick, string command)
    {
        int ortThreads = CpuCores.ThreadsFor(threads);
        string startLoad = MachineInfo.LoadAverage();
        string work = Directory.CreateTempSubdirectory("onnx-transfer-mlnet-").FullName;
        var measured = new List<MlNetMeasured>();
        var missing = new List<string>();
        try
        {
            foreach (var c in Cases(quick))
            {
                if (SharedFiles.Dataset(c.Dataset) is not { } dataset)
                {
                    missing.Add(c.Dataset);
                    continue;
                }
                measured.Add(MeasureCase(c, dataset, ortThreads, work));
            }
        }
        finally { Directory.Delete(work, recursive: true); }
        return MlNetReportSection.Write(measured, missing.Distinct().ToList(), ortThreads, command, $"{startLoad} / {MachineInfo.LoadAverage()}");
    }

    /// <summary>
    /// Real MobileNet 0.25 on both data sets (speed, training, accuracy; on flowers17 every preprocessing variant too), and
    /// EfficientNetB0 and VGG19 with random weights on part of hymenoptera_data for speed alone (their accuracy means nothing).
    /// </summary>
    private static IEnumerable<MlNetCase> Cases(bool quick)
    {
        if (quick)
        {
            yield return new(BenchModel.MobileNet025Real, "hymenoptera_data", 0, true, [Pipeline], false);
            yield return new(BenchModel.EfficientNetB0Avg, "hymenoptera_data", 32, false, [Pipeline], false);
            yield break;
        }
        yield return new(BenchModel.MobileNet025Real, "hymenoptera_data", 0, true, [Pipeline], false);
        yield return new(BenchModel.MobileNet025Real, "oxford_flowers17", 0, true, ["isocrop-rgb", "fill-rgb", "isocrop-bgr", "isocrop-planar"], true);
        yield return new(BenchModel.EfficientNetB0Avg, "hymenoptera_data", 96, false, [Pipeline], false, Rounds: 2);
        yield return new(BenchModel.Vgg19Block5, "hymenoptera_data", 48, false, [Pipeline], false, Rounds: 2);
    }

    private static MlNetMeasured MeasureCase(MlNetCase c, string dataset, int threads, string work)
    {
        string features = Path.Combine(work, $"{c.Model.Id}-{c.Dataset}");
        Console.Error.WriteLine($"[mlnet] extract: {c.Model.Id} on {c.Dataset}");
        var ours = Ours(c, dataset, features, threads, ResizeMode.Stretch);
        OursRun? crop = null;
        if (c.CropReference)
        {
            Console.Error.WriteLine($"[mlnet] extract --resize center-crop: {c.Model.Id} on {c.Dataset}");
            crop = Ours(c, dataset, features + "-crop", threads, ResizeMode.CenterCrop);
        }
        List<string> trainings = c.Train
            ? ["lbfgs:extract", "sdca:extract", .. c.Variants.SelectMany(v => v == Pipeline ? new[] { $"lbfgs:{v}", $"sdca:{v}" } : [$"lbfgs:{v}"])]
            : [];
        Console.Error.WriteLine($"[mlnet] ML.NET: {c.Model.Id} on {c.Dataset}, {string.Join(", ", c.Variants)}");
        var (peer, problem) = MlNetPeer.Run(features, dataset, threads, Warmup, c.Variants, trainings);
        for (int round = 2; round <= c.Rounds && problem is null; round++)
        {
            Console.Error.WriteLine($"[mlnet] round {round} of {c.Rounds}: {c.Model.Id} on {c.Dataset}");
            var again = MlNetOursChild.Extract(c.Model, dataset, features, threads, c.Photos, Warmup, ResizeMode.Stretch);
            if (again.Seconds < ours.Seconds) ours = again;
            var (next, nextProblem) = MlNetPeer.Run(features, dataset, threads, Warmup, c.Variants, trainings);
            problem = nextProblem;
            if (next is not null && peer is not null)
                peer = peer with { Featurizations = [.. peer.Featurizations.Zip(next.Featurizations, (a, b) => a.Seconds <= b.Seconds ? a : b)] };
        }
        if (problem is not null) Console.Error.WriteLine($"[mlnet] {problem}");
        return new MlNetMeasured(c, ours, crop, peer, problem);
    }

    /// <summary>`extract`, then (for a case that trains) `train` on its features, each in a fresh process.</summary>
    private static OursRun Ours(MlNetCase c, string dataset, string features, int threads, ResizeMode resize)
    {
        var run = MlNetOursChild.Extract(c.Model, dataset, features, threads, c.Photos, Warmup, resize);
        return c.Train ? run with { Training = MlNetOursChild.Train(features) } : run;
    }

    private static string? Arg(string[] args, string name) => Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
