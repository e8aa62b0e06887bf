using System.Diagnostics;
using System.Globalization;
using OnnxTransfer.Bench.Common;
using static OnnxTransfer.Bench.Common.VerbArgs;
using OnnxTransfer.Bench.EndToEnd;
using OnnxTransfer.Extractor.Augmentation;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;

namespace OnnxTransfer.Bench.Head;

/// <summary>
/// `augment-views [--views 0,4,8] [--seeds 3] [--out BENCHMARKS.md]`: does training on cached augmented views help? On
/// oxford_flowers17 and hymenoptera_data (../shared) with the real MobileNet 0.25 (conv_pw_13_relu, average pooled),
/// extracts each K of augmented views once (the seed recipes' generator: flips, zoom 0.3, shift 0.3, rotation 30,
/// fill nearest), then trains a bn-dropout and an mlp:256 head with several seeds on each and reports the validation
/// accuracy (mean, spread) and the extraction time per K.
/// </summary>
public static class AugmentBench
{
    private static readonly string[] Datasets = ["oxford_flowers17", "hymenoptera_data"];
    private static readonly string[] Heads = ["bn-dropout", "mlp:256"];

    public static int Run(string[] args)
    {
        int[] views = (Arg(args, "--views") ?? "0,4,8").Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        int seeds = int.Parse(Arg(args, "--seeds") ?? "3", CultureInfo.InvariantCulture);
        var model = BenchModel.MobileNet025Real;
        if (!model.HasRealWeights || Datasets.Any(d => SharedFiles.Dataset(d) is null))
        {
            Console.Error.WriteLine("augment-views needs ../shared (the real MobileNet and the two datasets); not found.");
            return 2;
        }
        var proto = model.Build();
        var table = new MarkdownTable("Dataset", "Views K", "Rows", "Extraction s", "Head", $"Val accuracy, mean of {seeds} seeds", "Spread (min-max)", "vs K = 0");
        string root = Path.Combine(Path.GetTempPath(), $"onnx-transfer-augment-bench-{Environment.ProcessId}");
        try
        {
            foreach (string dataset in Datasets)
            {
                var baseline = new Dictionary<string, double>();
                foreach (int k in views)
                {
                    string output = Path.Combine(root, $"{dataset}-k{k}");
                    var options = new ExtractionOptions
                    {
                        ModelName = model.Id, BatchSize = Math.Max(32, k + 1), Augmentation = new AugmentationOptions { Views = k },
                    };
                    var clock = Stopwatch.StartNew();
                    ExtractionSummary summary;
                    using (var extractor = new FeatureExtractor(proto, options))
                        summary = extractor.ExtractAsync(SharedFiles.Dataset(dataset)!, output).GetAwaiter().GetResult();
                    double seconds = clock.Elapsed.TotalSeconds;
                    var set = FeatureSet.Load(output);
                    foreach (string head in Heads)
                    {
                        var accuracies = Enumerable.Range(1, seeds).Select(seed => Train(set, head, (ulong)seed, Path.Combine(root, "run"))).ToList();
                        double mean = accuracies.Average();
                        if (k == views[0]) baseline[head] = mean;
                        table.Add(dataset, k, F($"{summary.RowsWritten:N0}"), F($"{seconds:F1}"), head, F($"{mean:P2}"),
                                  F($"{accuracies.Min():P1} - {accuracies.Max():P1}"), k == views[0] ? "" : F($"{(mean - baseline[head]) * 100:+0.00;-0.00} points"));
                        Console.WriteLine($"{dataset} K={k} {head}: {string.Join(", ", accuracies.Select(a => F($"{a:P2}")))}");
                    }
                    Directory.Delete(output, recursive: true);
                }
            }
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
        string command = $"dotnet run -c Release --project bench/OnnxTransfer.Bench -- augment-views {string.Join(' ', args)}".TrimEnd();
        string section = $"""
            ## Augmented views with frozen features (augment-views)

            Written by `{command}` on {DateTime.Now.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)}, {Environment.ProcessorCount} logical cores. {model.WeightsLabel}, `{model.Layer}` average-pooled (256 features). Each K extracts K augmented views of every training photo once (`extract --augment K`: flips, zoom 0.3, shift 0.3, rotation 30, fill nearest, view seed 0; validation photos never), and `train` draws one row of each photo per epoch. Heads: Adam 1e-3, batch 32, up to 60 epochs, early stopping on val_loss (patience 8), best epoch restored; seeds 1..{seeds}. Validation accuracy is on the dataset's own val photos (view 0), which also pick the epoch: see the README on what that means.

            {table}
            """;
        Console.WriteLine();
        Console.WriteLine(section);
        if (Arg(args, "--out") is { } path)
        {
            ReportSections.Replace(path, "augment-views", section);
            Console.WriteLine($"wrote the augment-views section of {Path.GetFullPath(path)}");
        }
        return 0;
    }

    private static double Train(FeatureSet set, string head, ulong seed, string run)
    {
        var options = new TrainerOptions { Head = HeadSpec.Parse(head), Epochs = 60, Patience = 8, Seed = seed, Dropout = 0.5f };
        double accuracy = new Trainer(options).Train(set, run).Validation.Accuracy;
        Directory.Delete(run, recursive: true);
        return accuracy;
    }
}
