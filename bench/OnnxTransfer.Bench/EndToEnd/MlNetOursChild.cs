using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OnnxTransfer.Bench.Common;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;

namespace OnnxTransfer.Bench.EndToEnd;

/// <summary>Our side of one ML.NET comparison: the extraction's wall and CPU time and peak memory, and the head's (trained in a process of its own).</summary>
public sealed record OursRun(int Images, double Seconds, double CpuSeconds, long PeakRssBytes, int OrtThreads, int DecodeWorkers, string Decoder, OursTraining? Training)
{
    public double ImagesPerSecond => Images / Seconds;
}

/// <summary>
/// `train --head linear` with <see cref="MlNetOursChild.Recipe"/> on the extraction's features, timed warm. <see cref="EpochSeconds"/>
/// is the part spent in the epochs' training and validation passes; the rest is the checkpoints (flushed to disk after every
/// epoch, for `--resume`) and the run folder.
/// </summary>
public sealed record OursTraining(int TrainRows, int ValRows, double Seconds, double EpochSeconds, double ValAccuracy, long PeakRssBytes);

/// <summary>
/// `mlnet-ours-child extract MODEL DATASET OUT THREADS PHOTOS WARMUP RESIZE` and `mlnet-ours-child train FEATURES`: what
/// `extract` and `train --head linear` cost, each in a fresh process as a user runs the two commands (and as the ML.NET
/// peer runs in its own), so the peak memories compare. `extract` extracts PHOTOS photos of DATASET (0: all; otherwise
/// spread over it) to OUT after an untimed warm-up extraction of WARMUP of them; `train` trains the linear head twice on
/// FEATURES once untimed, then three times timed, keeping the fastest: both sides are timed warm, JIT and first-touch costs left out. Each prints one JSON line.
/// </summary>
public static class MlNetOursChild
{
    public const string Verb = "mlnet-ours-child";

    /// <summary>The linear head as README trains it on these features (30 epochs, Adam lr 1e-2, seed 1, no early stopping),
    /// scored at its last epoch: ML.NET's trainers pick no epoch on the validation rows either.</summary>
    public static TrainerOptions Recipe { get; } = new()
    {
        Head = HeadSpec.Linear, Epochs = 30, LearningRate = 1e-2f, Seed = 1, Patience = 0, RestoreBest = false,
    };

    /// <summary>Timed training runs after an untimed first; the fastest counts (bench/peers/mlnet's Trainers.TimedFits).</summary>
    private const int TimedRuns = 3;

    private static readonly BenchModel[] Models = [BenchModel.MobileNet025Real, BenchModel.EfficientNetB0Avg, BenchModel.Vgg19Block5];

    /// <summary>`extract` in a child process (see the class summary).</summary>
    public static OursRun Extract(BenchModel model, string dataset, string output, int threads, int photos, int warmup, ResizeMode resize) =>
        Child<OursRun>("extract", model.Id, dataset, output, I(threads), I(photos), I(warmup), resize.ToString());

    /// <summary>`train --head linear` in a child process (see the class summary).</summary>
    public static OursTraining Train(string features) => Child<OursTraining>("train", features);

    private static T Child<T>(params string[] args)
    {
        string self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(MlNetOursChild).Assembly.Location);
        start.ArgumentList.Add(Verb);
        foreach (string a in args) start.ArgumentList.Add(a);
        using var child = Process.Start(start)!;
        var error = child.StandardError.ReadToEndAsync();
        string stdout = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0) throw new InvalidOperationException($"{Verb} {string.Join(' ', args)} failed ({child.ExitCode}): {error.Result.Trim()}");
        return JsonSerializer.Deserialize<T>(stdout.Trim().Split('\n')[^1])!;
    }

    /// <summary>The child's side (see the class summary).</summary>
    public static async Task<int> RunChildAsync(string[] args)
    {
        string scratch = Directory.CreateTempSubdirectory("onnx-transfer-mlnet-warm-").FullName;
        try
        {
            string json = args[0] == "train"
                ? JsonSerializer.Serialize(TrainTwice(args[1], scratch))
                : JsonSerializer.Serialize(await ExtractWarm(args[1..], scratch));
            Console.WriteLine(json);
            return 0;
        }
        finally { Directory.Delete(scratch, recursive: true); }
    }

    private static async Task<OursRun> ExtractWarm(string[] args, string scratch)
    {
        var spec = Models.Single(m => m.Id == args[0]);
        string dataset = args[1], output = args[2];
        int threads = int.Parse(args[3], CultureInfo.InvariantCulture), photos = int.Parse(args[4], CultureInfo.InvariantCulture);
        int warmup = int.Parse(args[5], CultureInfo.InvariantCulture);
        var inputs = Spread(InputScanner.Scan(dataset), photos);
        using var extractor = new FeatureExtractor(spec.Build(), new ExtractionOptions
        {
            ModelName = spec.Id, Threads = threads, Resize = Enum.Parse<ResizeMode>(args[6]), Overwrite = true,
        });
        await ExtractionBench.Extract(extractor, Spread(inputs, Math.Min(warmup, inputs.Items.Count)), Path.Combine(scratch, "features"));
        using var peak = PeakMemory.Start();
        var cpu = CpuTime();
        var run = await ExtractionBench.Extract(extractor, inputs, output);
        double seconds = ExtractionBench.Checked(run, inputs.Items.Count);
        return new OursRun(inputs.Items.Count, seconds, (CpuTime() - cpu).TotalSeconds, peak.PeakBytes(), extractor.OrtThreads,
                           extractor.DecodeWorkers, extractor.JpegDecoderDescription, null);
    }

    private static OursTraining TrainTwice(string features, string scratch)
    {
        var set = FeatureSet.Load(features);
        new Trainer(Recipe).Train(set, Path.Combine(scratch, "warm-run"));
        using var peak = PeakMemory.Start();
        // The fastest of as many timed runs as the ML.NET peer times fits (the same seed gives the same head each time).
        var (seconds, result) = Enumerable.Range(0, TimedRuns).Select(i =>
        {
            var clock = Stopwatch.StartNew();
            var r = new Trainer(Recipe).Train(set, Path.Combine(scratch, $"run{i}"));
            return (clock.Elapsed.TotalSeconds, r);
        }).MinBy(run => run.Item1);
        var (train, val) = DataSplits.Of(set, Recipe);
        return new OursTraining(train.Length, val.Length, seconds, result.History.Sum(h => h.Seconds), result.Validation.Accuracy, peak.PeakBytes());
    }

    /// <summary><paramref name="count"/> of the set's photos spread evenly over it (the sorted set starts with a whole class); all when 0.</summary>
    private static InputSet Spread(InputSet set, int count) => count <= 0 || count >= set.Items.Count ? set : new InputSet
    {
        Root = set.Root, Classes = set.Classes, Layout = set.Layout, Warnings = [],
        Items = [.. Enumerable.Range(0, count).Select(i => set.Items[(int)((long)i * set.Items.Count / count)])],
    };

    private static TimeSpan CpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
