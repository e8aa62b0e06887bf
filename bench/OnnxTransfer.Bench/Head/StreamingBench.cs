using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OnnxTransfer.Bench.Common;
using static OnnxTransfer.Bench.Common.VerbArgs;
using OnnxTransfer.Bench.EndToEnd;
using OnnxTransfer.Bench.Peers;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.IO;

namespace OnnxTransfer.Bench.Head;

/// <summary>
/// `stream-food101 [--rows N] [--subset-rows N] [--max-memory BYTES] [--dir DIR] [--keep] [--out BENCHMARKS.md]`: the Food-101 x VGG19 block5_pool recipe on a synthetic set of its
/// size (101 classes, 101,000 rows x 25,088 floats, over 2^31 floats), written in the extractor's format: generation
/// time and size, then one epoch of the seed's head (mlp:1024,1024, dropout 0.5, SGD 1e-4 momentum 0.9, poly decay)
/// streamed within a 2 GB budget (--max-memory BYTES to change it; peak RSS, rows/s); then on a subset that fits, a streamed epoch against an in-memory
/// epoch, and PyTorch's epoch on the same rows. Prints a markdown table for BENCHMARKS.md.
/// </summary>
public static class StreamingBench
{
    private const int Width = HeadBenchData.FeatureWidth, Classes = 101, ShardRows = 1000;
    private static long _budget = 2_000_000_000;

    public static int Run(string[] args)
    {
        int rows = Arg(args, "--rows") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 101_000;
        int subsetRows = Arg(args, "--subset-rows") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : 6_000;
        string root = Arg(args, "--dir") ?? Path.Combine(Path.GetTempPath(), "onnx-transfer-stream-bench");
        bool keep = args.Contains("--keep");
        if (Arg(args, "--max-memory") is { } b) _budget = long.Parse(b, CultureInfo.InvariantCulture);
        Directory.CreateDirectory(root);
        var table = new MarkdownTable("Measure", "Value");
        try
        {
            var clock = Stopwatch.StartNew();
            string big = Path.Combine(root, "food101-like");
            Generate(big, rows);
            long bytes = Directory.GetFiles(big, "part-*.parquet").Sum(f => new FileInfo(f).Length);
            table.Add("generated set", F($"{rows:N0} rows x {Width:N0} float32 = {(double)rows * Width / (1L << 31):F2} x 2^31 floats, {Classes} classes"));
            table.Add("generation (2 threads) and size on disk", F($"{clock.Elapsed.TotalSeconds:F0} s, {bytes / 1e9:F2} GB in {(rows + ShardRows - 1) / ShardRows} shards"));
            Console.WriteLine($"generated {big}: {bytes / 1e9:F2} GB in {clock.Elapsed.TotalSeconds:F0} s");

            // The epoch runs in a fresh process: this one's heap still holds what generating the set allocated, and its
            // peak RSS would be that, not the training's.
            var epoch = RunChild(big, _budget);
            long model = 4L * (Width * 1024 + 1024 * 1024 + 1024 * Classes) * sizeof(float); // weights, gradients, momentum, best epoch's copy
            table.Add("mode", epoch["storage"]);
            table.Add("one streamed epoch (train + validation pass)", F($"{double.Parse(epoch["seconds"], CultureInfo.InvariantCulture):F0} s, {epoch["rows_per_s"]} training rows/s, val accuracy {epoch["val_accuracy"]}"));
            table.Add("peak RSS of that process (goal <= budget + model)", F($"{long.Parse(epoch["peak_rss"], CultureInfo.InvariantCulture) / 1e9:F2} GB (model with gradients, momentum and the best epoch's copy {model / 1e9:F2} GB; managed heap at the epoch's end {epoch["gc_heap"]}, {epoch["gc_committed"]} committed; kernel VmHWM)"));
            if (!keep) Directory.Delete(big, recursive: true);

            string small = Path.Combine(root, "subset");
            Generate(small, subsetRows);
            var subsetOptions = SeedHead(epochs: 3);
            var inMemory = FeatureSet.Load(small);
            Train(inMemory, subsetOptions, out _, out var memoryEpochs);
            // Windows of about a sixth of the rows, so the epoch is a streamed one proper: two windows, a batch, an evaluation batch, a group.
            long windowBudget = StreamBudget.For(subsetRows / 6, Width, 64 + 256 + 41);
            var streamed = FeatureSetReader.OpenStreamed([small], new FeatureSetOptions(), windowBudget);
            Train(streamed, subsetOptions, out _, out var streamedEpochs);
            double memoryWarm = HeadQuickBench.Warm(memoryEpochs), streamedWarm = HeadQuickBench.Warm(streamedEpochs);
            table.Add($"subset of {subsetRows:N0} rows: in-memory epoch (best of 2-3)", F($"{memoryWarm:F2} s"));
            table.Add($"same subset streamed, {windowBudget / 1e6:N0} MB budget (best of 2-3)", F($"{streamedWarm:F2} s"));
            table.Add("streamed / in-memory (goal <= 1.25)", F($"{streamedWarm / memoryWarm:F2}x"));
            var torch = TorchPeer.Run(inMemory, subsetOptions);
            table.Add("PyTorch CPU epoch on the subset in memory (best of 2-3)", torch.Warm is { } t
                ? F($"{t:F2} s (torch {torch.Version}, {torch.Threads} threads, SGD momentum 0.9); ours in memory / PyTorch {memoryWarm / t:F2}x")
                : torch.Problem ?? "did not run");
            if (!keep) Directory.Delete(small, recursive: true);
        }
        finally
        {
            if (!keep && Directory.Exists(root) && !Directory.EnumerateFileSystemEntries(root).Any()) Directory.Delete(root);
        }
        string command = $"dotnet run -c Release --project bench/OnnxTransfer.Bench -- stream-food101 {string.Join(' ', args)}".TrimEnd();
        string section = $"""
            ## Training beyond memory (stream-food101)

            Written by `{command}` on {DateTime.Now.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)}, {Environment.ProcessorCount} logical cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (double)(1L << 30):F1} GiB. The Food-101 x VGG19 block5_pool recipe on a synthetic set of its size written in the extractor's format (101 classes; non-negative features with a class-dependent profile), one epoch of the seed's head (mlp:1024,1024, dropout 0.5, SGD lr 1e-4 momentum 0.9, poly decay, batch 64, 20 % validation split) streamed within `--max-memory` {_budget / 1e9:F1} GB in a fresh process; then a subset that fits memory, trained in memory and streamed in windows of about a sixth of its rows, and PyTorch on that subset.

            {table}
            """;
        Console.WriteLine();
        Console.WriteLine(section);
        if (Arg(args, "--out") is { } output)
        {
            ReportSections.Replace(output, "stream-food101", section);
            Console.WriteLine($"wrote the stream-food101 section of {Path.GetFullPath(output)}");
        }
        return 0;
    }

    public const string ChildVerb = "stream-food101-epoch";

    /// <summary>The child: one streamed epoch of the seed's head on <paramref name="args"/>[0] within the budget; prints key=value lines.</summary>
    public static int RunEpochChild(string[] args)
    {
        var options = SeedHead(epochs: 1);
        using var self = Process.GetCurrentProcess();
        long Peak()
        {
            self.Refresh();
            return self.PeakWorkingSet64;
        }
        var opening = Stopwatch.StartNew();
        var set = FeatureSet.Open(args[0], new FeatureSetOptions { MaxMemory = long.Parse(args[1], CultureInfo.InvariantCulture) });
        Console.WriteLine(F($"open_seconds={opening.Elapsed.TotalSeconds:F1}"));
        Console.WriteLine(F($"peak_rss_opened={Peak()}"));
        var trainer = new Trainer(options);
        trainer.EpochCompleted += _ =>
        {
            var gc = GC.GetGCMemoryInfo();
            Console.WriteLine(F($"peak_rss_epoch={Peak()}"));
            Console.WriteLine(F($"gc_committed={gc.TotalCommittedBytes / 1e9:F2} GB"));
            Console.WriteLine(F($"gc_heap={gc.HeapSizeBytes / 1e9:F2} GB"));
        };
        var result = Train(set, options, out double seconds, out _, trainer);
        int trainRows = DataSplits.Of(set, options).Train.Length;
        Console.WriteLine($"storage={set.Storage}");
        Console.WriteLine(F($"seconds={seconds:F1}"));
        Console.WriteLine(F($"rows_per_s={trainRows / seconds:F0}"));
        Console.WriteLine(F($"val_accuracy={result.Validation.Accuracy:P1}"));
        Console.WriteLine(F($"peak_rss={Peak()}"));
        return 0;
    }

    private static Dictionary<string, string> RunChild(string dir, long budget)
    {
        string self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(StreamingBench).Assembly.Location);
        start.ArgumentList.Add(ChildVerb);
        start.ArgumentList.Add(dir);
        start.ArgumentList.Add(budget.ToString(CultureInfo.InvariantCulture));
        using var child = Process.Start(start)!;
        var lines = new List<string>();
        while (child.StandardOutput.ReadLine() is { } line)
        {
            Console.WriteLine("  " + line);
            lines.Add(line);
        }
        child.WaitForExit();
        if (child.ExitCode != 0) throw new InvalidOperationException($"{ChildVerb} {dir} failed ({child.ExitCode})");
        return lines.Where(l => l.Contains('=', StringComparison.Ordinal) && !l.StartsWith(' ')).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
    }

    /// <summary>The seed's Food-101 head: Flatten -> Dense 1024 ReLU -> Dropout 0.5 -> Dense 1024 ReLU -> softmax, SGD 1e-4 momentum 0.9, polynomial decay.</summary>
    private static TrainerOptions SeedHead(int epochs) => new()
    {
        Head = HeadSpec.Parse("mlp:1024,1024"), Dropout = 0.5f, Optimizer = OptimizerKind.Sgd, LearningRate = 1e-4f, Momentum = 0.9f,
        Schedule = ScheduleKind.Poly, Epochs = epochs, BatchSize = 64, Patience = 0, Seed = 1,
    };

    private static TrainingResult Train(FeatureSet set, TrainerOptions options, out double seconds) => Train(set, options, out seconds, out _);

    private static TrainingResult Train(FeatureSet set, TrainerOptions options, out double seconds, out double[] epochs, Trainer? trainer = null)
    {
        string run = Path.Combine(Path.GetTempPath(), "onnx-transfer-stream-bench-run-" + Guid.NewGuid().ToString("N"));
        var clock = Stopwatch.StartNew();
        try
        {
            trainer ??= new Trainer(options);
            trainer.EpochCompleted += m => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  epoch {m.Epoch}: {m.Seconds:F1} s, val accuracy {m.ValAccuracy:P1}"));
            var result = trainer.Train(set, run);
            seconds = clock.Elapsed.TotalSeconds;
            epochs = [.. result.History.Select(h => h.Seconds)];
            return result;
        }
        finally
        {
            if (Directory.Exists(run)) Directory.Delete(run, recursive: true);
        }
    }

    /// <summary>
    /// Rows of class c = r mod 101 in the extractor's format: non-negative like post-ReLU block5_pool activations, a
    /// uniform noise floor plus 0.5 x a class-dependent random profile, so accuracy means something. Shards are made
    /// two at a time, each from its own seeded generator (the set does not depend on the thread count).
    /// </summary>
    private static void Generate(string dir, int rows)
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        var profiles = new float[Classes * Width];
        var rng = new Rng(2026);
        for (int i = 0; i < profiles.Length; i++) profiles[i] = rng.NextFloat() < 0.1f ? rng.NextFloat() : 0f;
        string backbone = Path.Combine(dir, FeatureFormat.BackboneFile);
        File.WriteAllBytes(backbone, [0x0b, 0x5e, 0x19]);
        var names = Enumerable.Range(0, Classes).Select(c => $"food{c:D3}").ToArray();
        var writer = new FeatureWriter(["block5_pool"], new Dictionary<string, string>
        {
            [FeatureFormat.ModelNameKey] = "synthetic-vgg19", [FeatureFormat.ModelHashKey] = Hashing.Sha256File(backbone),
            [FeatureFormat.LayersKey] = JsonSerializer.Serialize<string[]>(["block5_pool"]),
            [FeatureFormat.FeatureShapesKey] = JsonSerializer.Serialize(new Dictionary<string, int[]> { ["block5_pool"] = [7, 7, 512] }),
            [FeatureFormat.PoolKey] = JsonSerializer.Serialize(new Dictionary<string, string> { ["block5_pool"] = "none" }),
            [FeatureFormat.PreprocessKey] = "caffe", [FeatureFormat.InputSizeKey] = "224", [FeatureFormat.ResizeKey] = "stretch",
            [FeatureFormat.InterpolationKey] = "bilinear", [FeatureFormat.RandomWeightsKey] = "true", [FeatureFormat.WeightsKey] = "synthetic",
        });
        int shards = (rows + ShardRows - 1) / ShardRows;
        Parallel.For(0, shards, new ParallelOptions { MaxDegreeOfParallelism = 2 }, shard =>
        {
            int from = shard * ShardRows, n = Math.Min(ShardRows, rows - from);
            var local = new Rng(1000UL + (ulong)shard);
            var data = new ShardRows([Width], n);
            var values = data.Features[0];
            for (int j = 0; j < n; j++)
            {
                int c = (from + j) % Classes;
                for (int f = 0; f < Width; f++) values[(long)j * Width + f] = local.NextFloat() + 0.5f * profiles[c * Width + f];
                data.Items.Add(new RowKey($"{names[c]}/{from + j}.jpg", names[c], c, ""));
            }
            var committed = writer.Write(data, Path.Combine(dir, FeatureFormat.ShardName(shard)));
            FeatureSetManifest.WriteRecord(dir, new ShardRecord(shard, n, [], committed.Bytes, committed.Sha256));
        });
        File.WriteAllText(Path.Combine(dir, FeatureSetManifest.ManifestFile),
            $"{{\"{FeatureSetManifest.ImagesKey}\": {rows}, \"{FeatureSetManifest.ImagesPerShardKey}\": {ShardRows}}}");
        File.WriteAllText(Path.Combine(dir, FeatureFormat.ClassesFile), JsonSerializer.Serialize(names));
    }
}
