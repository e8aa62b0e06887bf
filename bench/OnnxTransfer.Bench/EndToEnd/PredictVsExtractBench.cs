using System.Diagnostics;
using OnnxTransfer.Bench.Common;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.Inference;
using static OnnxTransfer.Bench.Common.VerbArgs;

namespace OnnxTransfer.Bench.EndToEnd;

/// <summary>
/// `predict-vs-extract [--rounds N]`: images per second of extract, predict (PredictFiles over every photo) and evaluate
/// on the same photos (oxford_flowers17, 1360) with the same model (the real MobileNet 0.25 from ../shared, cut at
/// conv_pw_13_relu, avg), in one process, each on default options; rounds alternate the three so a noisy neighbour
/// hits them alike, and the best round of each counts. Prints the ratios to extract, and the process's CPU time per
/// photo in each verb's best round (equal CPU per photo and unequal rates means the machine's other load, not the verb).
/// </summary>
public static class PredictVsExtractBench
{
    public static int Run(string[] args)
    {
        int rounds = int.Parse(Arg(args, "--rounds") ?? "3", System.Globalization.CultureInfo.InvariantCulture);
        var model = BenchModel.MobileNet025Real;
        if (!model.HasRealWeights || SharedFiles.Dataset("oxford_flowers17") is not { } photos)
        {
            Console.Error.WriteLine("predict-vs-extract needs ../shared (the real MobileNet and oxford_flowers17); not found.");
            return 2;
        }
        var proto = model.Build();
        var inputs = InputScanner.Scan(photos);
        var paths = inputs.Items.Select(i => i.FullPath).ToList();
        foreach (string p in paths) File.ReadAllBytes(p); // page cache: every round reads from memory
        string root = Path.Combine(Path.GetTempPath(), $"onnx-transfer-predict-bench-{Environment.ProcessId}");
        try
        {
            string run = Path.Combine(root, "run");
            var best = new Dictionary<string, (double Rate, double CpuMs)>();
            void Time(string verb, Action body)
            {
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                body();
                double rate = paths.Count / clock.Elapsed.TotalSeconds;
                double cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / paths.Count;
                if (!best.TryGetValue(verb, out var b) || rate > b.Rate) best[verb] = (rate, cpuMs);
            }
            for (int r = 0; r < rounds; r++)
            {
                string features = Path.Combine(root, $"features-{r}");
                Time("extract", () =>
                {
                    using var extractor = new FeatureExtractor(proto, new ExtractionOptions { ModelName = model.Id });
                    extractor.ExtractAsync(inputs, features).GetAwaiter().GetResult();
                });
                if (r == 0) new Trainer(new TrainerOptions { Epochs = 5, Seed = 1 }).Train(FeatureSet.Load(features), run);
                Directory.Delete(features, recursive: true);
                // Opening the run (two sessions) is part of the verb's cost, as creating the extractor is above.
                Time("predict", () =>
                {
                    using var predictor = Predictor.FromRunDirectory(run);
                    if (predictor.PredictFiles(paths).Count(p => p.Prediction is not null) != paths.Count) throw new InvalidOperationException("a photo failed");
                });
                Time("evaluate", () =>
                {
                    using var predictor = Predictor.FromRunDirectory(run);
                    Evaluator.Evaluate(predictor, photos, inputs);
                });
                Console.WriteLine($"round {r + 1}: best so far " + string.Join(", ", best.Select(b => F($"{b.Key} {b.Value.Rate:F0} img/s"))));
            }
            var (extract, predict, evaluate) = (best["extract"], best["predict"], best["evaluate"]);
            Console.WriteLine(F($"{paths.Count} photos, {model.Title}, {model.WeightsLabel}, {Environment.ProcessorCount} cores, best of {rounds} rounds:"));
            Console.WriteLine(F($"extract {extract.Rate:F1} img/s; predict {predict.Rate:F1} img/s ({predict.Rate / extract.Rate:F2}x extract); evaluate {evaluate.Rate:F1} img/s ({evaluate.Rate / extract.Rate:F2}x extract)"));
            Console.WriteLine(F($"CPU per photo in those rounds: extract {extract.CpuMs:F2} ms, predict {predict.CpuMs:F2} ms, evaluate {evaluate.CpuMs:F2} ms; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
            return 0;
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }
}
