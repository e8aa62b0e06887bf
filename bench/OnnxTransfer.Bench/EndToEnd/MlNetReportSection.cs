using System.Globalization;
using System.Text;
using OnnxTransfer.Bench.Peers;

namespace OnnxTransfer.Bench.EndToEnd;

/// <summary>The mlnet-peer section of BENCHMARKS.md: goals, featurization, training, and what ML.NET's preprocessing does.</summary>
internal static class MlNetReportSection
{
    private static readonly Dictionary<string, (string Resize, string Layout)> Preprocessing = new()
    {
        ["isocrop-rgb"] = ("ResizeImages' default IsoCrop: scale to cover 224x224 keeping the aspect ratio, crop the centre; SkiaSharp high-quality filter", "RGB interleaved (HWC), as the model takes"),
        ["fill-rgb"] = ("ResizingKind.Fill: stretched to 224x224 like `extract`, but SkiaSharp's unfiltered (nearest-neighbour) resize", "RGB interleaved (HWC)"),
        ["isocrop-bgr"] = ("IsoCrop", "BGR interleaved (ColorsOrder.ABGR): channels reversed"),
        ["isocrop-planar"] = ("IsoCrop", "ExtractPixels' default: planar (CHW), read by the model as HWC"),
    };

    public static (string Markdown, IReadOnlyList<GoalRow> Goals) Write(IReadOnlyList<MlNetMeasured> runs, IReadOnlyList<string> missing, int threads,
                                                                         string command, string loadAverages)
    {
        var goals = new List<GoalRow>();
        var text = new StringBuilder("## ML.NET as a peer (mlnet-peer)\n\n");
        var peer = runs.Select(r => r.Peer).FirstOrDefault(p => p is not null);
        string skia = peer is null ? "" : string.Join('.', peer.SkiaSharpVersion.Split('-')[0].Split('.').Take(3));
        text.Append(F($"Written by `{command}` on {DateTime.Now.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)}, {Environment.ProcessorCount} logical cores, "))
            .Append(F($"load average (1/5/15 min) at start / end {loadAverages} (the end's includes this run's own). "))
            .Append(peer is null ? "ML.NET " : F($"ML.NET {peer.MlNetVersion} (Microsoft.ML.ImageAnalytics on SkiaSharp {skia}, Microsoft.ML.OnnxTransformer on ONNX Runtime {peer.OrtVersion}) "))
            .Append(F($"against `extract` and `train --head linear`, measured in this run, each side in fresh processes: the backbone.onnx the extraction wrote, the same photos, "))
            .Append(F($"{threads} ONNX Runtime intra-op threads on both sides, both timed warm (a first pass over {MlNetBench.Warmup} photos and a first training fit are not timed; training is the fastest of the next three fits).\n\n"))
            .Append("- **ML.NET** (`bench/peers/mlnet`), the pipeline a user writes for these models: `LoadImages -> ResizeImages(224, 224) -> ExtractPixels(interleavePixelColors: true) -> ")
            .Append(F($"ApplyOnnxModel(ShapeDictionary = {{ image: [1, 224, 224, 3] }}, IntraOpNumThreads = {threads})` (OnnxTransformer refuses an input with more than one unknown dimension, and runs one photo per call), "))
            .Append("its rows read into memory as `AppendCacheCheckpoint` holds them; then `MapValueToKey -> AppendCacheCheckpoint -> LbfgsMaximumEntropy()` or `SdcaMaximumEntropy()` with their defaults, ")
            .Append("scored by `MulticlassClassification.Evaluate` (micro accuracy) on the val folder, the rows `train` validates on.\n")
            .Append(F($"- **Ours**: `extract --threads {threads}` (default decoders; {(runs.Count > 0 ? runs[0].Ours.Decoder : "not run")}), then in a fresh process "))
            .Append("`train --head linear --lr 1e-2 --epochs 30 --seed 1 --patience 0 --restore-best false`, scored at its last epoch: ML.NET's trainers pick nothing on the validation rows either.\n")
            .Append("- **Peak memory**: each phase's kernel peak RSS (VmHWM reset at its start) of the whole process; ours run with `System.GC.ConserveMemory` 7 as the CLI does, ML.NET's with .NET's defaults, as a user's program would.\n")
            .Append("- **Not measured**: ML.NET's TensorFlow-based `ImageClassification` trainer (Microsoft.ML.Vision). It needs the TensorFlow native redistributable (SciSharp.TensorFlow.Redist), which this machine's NuGet feed does not serve.\n\n");
        // The start's figure is the machine before this run; the end's includes this run's own threads (about one per core).
        if (double.TryParse(loadAverages.Split(' ')[0], CultureInfo.InvariantCulture, out double before) && before >= Environment.ProcessorCount)
            text.Append("**Other programs were running** (a 1-minute load average at start of at least the core count): they took CPU from both sides, not evenly, ")
                .Append("and the cores-busy column shows what each got. ML.NET's session spin-waits (ONNX Runtime's default) and so holds its cores against them; ")
                .Append("`extract`'s does not, and its decoders run at idle priority, so any other busy program takes their CPU first. Compare the ratios of a calm run.\n\n");
        if (missing.Count > 0) text.Append(F($"Not measured: {string.Join(", ", missing)} not found in ../shared/datasets.\n\n"));
        foreach (var r in runs.Where(r => r.Problem is not null)) text.Append(F($"**ML.NET side missing for {r.Case.Model.Id} on {r.Case.Dataset}:** {r.Problem}\n\n"));

        var featurization = FeaturizationTable(runs, goals);
        var training = TrainingTable(runs, goals);
        var goalTable = new MarkdownTable("Goal", "Measured", "Met?");
        foreach (var g in goals) goalTable.Add(g.Goal, g.Measured, g.Met);
        text.Append(goalTable).Append('\n');
        text.Append("Featurization: every photo through the network, photos to features in memory (ML.NET) or to Parquet shards on disk (`extract`).\n\n").Append(featurization).Append('\n');
        text.Append("Training on the features (real weights only: features of random weights classify nothing). *Same features* rows train on the Parquet features `extract` wrote, so only the trainer differs; ")
            .Append("*ML.NET's features* rows are ML.NET's own pipeline end to end.\n\n").Append(training).Append('\n');
        if (runs.FirstOrDefault(r => r.OursCrop is not null) is { } variants) text.Append(PreprocessingTable(variants)).Append('\n');
        text.Append(Why);
        return (text.ToString(), goals);
    }

    private static MarkdownTable FeaturizationTable(IReadOnlyList<MlNetMeasured> runs, List<GoalRow> goals)
    {
        var table = new MarkdownTable("Model / layer / pool", "Weights", "Photos", "`extract` img/s", $"ML.NET img/s ({MlNetBench.Pipeline})",
            $"extract / ML.NET (goal >= {MlNetBench.ExtractionGoal:F1})", "CPU core-ms per photo, extract / ML.NET", "Cores busy (CPU / wall), extract / ML.NET",
            "Peak RSS MiB, extract / ML.NET");
        foreach (var r in runs)
        {
            var m = r.Featurization(MlNetBench.Pipeline);
            double? ratio = m is null ? null : r.Ours.ImagesPerSecond / m.ImagesPerSecond;
            string where = $"{r.Case.Model.Id} on {r.Case.Dataset} ({r.Ours.Images} photos)";
            string photos = $"{r.Ours.Images} of {r.Case.Dataset}" + (r.Case.Rounds > 1 ? $" (each side's best of {r.Case.Rounds} alternating rounds)" : "");
            table.Add(r.Case.Model.Title, r.Case.Model.WeightsLabel, photos, F1(r.Ours.ImagesPerSecond),
                m is null ? "-" : F1(m.ImagesPerSecond), ratio is { } x ? $"{x:F2}x" : "-",
                $"{F1(r.Ours.CpuSeconds * 1000 / r.Ours.Images)} / {(m is null ? "-" : F1(m.CpuSeconds * 1000 / m.Images))}",
                $"{F2(r.Ours.CpuSeconds / r.Ours.Seconds)} / {(m is null ? "-" : F2(m.CpuSeconds / m.Seconds))}",
                $"{Mib(r.Ours.PeakRssBytes)} / {(m is null ? "-" : Mib(m.PeakRssBytes))}");
            goals.Add(new GoalRow($"extract >= {MlNetBench.ExtractionGoal:F1}x ML.NET's featurization: {where}",
                ratio is { } v ? $"{v:F2}x" : r.Problem ?? "-", ratio is { } met ? Met(met >= MlNetBench.ExtractionGoal) : "not measured"));
        }
        return table;
    }

    private static MarkdownTable TrainingTable(IReadOnlyList<MlNetMeasured> runs, List<GoalRow> goals)
    {
        var table = new MarkdownTable("Data set", "Train / val rows", "Features", "Trainer", "Seconds (warm)", "Val accuracy", "Peak RSS MiB",
            $"ML.NET seconds / ours (goal >= {MlNetBench.TrainingGoal:F0}x at >= accuracy)");
        foreach (var r in runs.Where(r => r.Ours.Training is not null))
        {
            var ours = r.Ours.Training!;
            string rows = $"{ours.TrainRows} / {ours.ValRows}";
            table.Add(r.Case.Dataset, rows, "same features (extract's)", "`train --head linear`", F($"{ours.Seconds:F2} ({ours.EpochSeconds:F2} in the epochs)"),
                Pct(ours.ValAccuracy), Mib(ours.PeakRssBytes), "-");
            foreach (string trainer in new[] { "lbfgs", "sdca" })
            {
                var t = r.Training(trainer, "extract");
                double? ratio = t is null ? null : t.Seconds / ours.Seconds;
                string name = trainer == "lbfgs" ? "LbfgsMaximumEntropy" : "SdcaMaximumEntropy";
                if (t is not null)
                    table.Add(r.Case.Dataset, $"{t.TrainRows} / {t.ValRows}", "same features (extract's)", name, F2(t.Seconds), Pct(t.ValAccuracy), Mib(t.PeakRssBytes), $"{ratio:F1}x");
                bool? met = t is null ? null : ratio >= MlNetBench.TrainingGoal && ours.ValAccuracy >= t.ValAccuracy;
                goals.Add(new GoalRow($"train --head linear >= {MlNetBench.TrainingGoal:F0}x faster than ML.NET's {name} at equal or better val accuracy: {r.Case.Dataset}, same features",
                    t is null ? r.Problem ?? "-" : $"{ratio:F1}x; {Pct(ours.ValAccuracy)} vs {Pct(t.ValAccuracy)}", met is { } m ? Met(m) : "not measured"));
            }
            foreach (string trainer in new[] { "lbfgs", "sdca" })
                if (r.Training(trainer, MlNetBench.Pipeline) is { } t)
                    table.Add(r.Case.Dataset, $"{t.TrainRows} / {t.ValRows}", $"ML.NET's ({MlNetBench.Pipeline})", trainer == "lbfgs" ? "LbfgsMaximumEntropy" : "SdcaMaximumEntropy",
                        F2(t.Seconds), Pct(t.ValAccuracy), Mib(t.PeakRssBytes), "-");
        }
        return table;
    }

    private static string PreprocessingTable(MlNetMeasured r)
    {
        var table = new MarkdownTable("Preprocessing", "Resize", "Channels", "img/s", "LbfgsMaximumEntropy val accuracy", "vs the same trainer on extract's features", "`train --head linear` val accuracy");
        var lbfgsOurs = r.Training("lbfgs", "extract");
        table.Add("`extract` (default)", "stretch to 224x224, bilinear", "RGB interleaved (HWC)",
            F1(r.Ours.ImagesPerSecond), lbfgsOurs is null ? "-" : Pct(lbfgsOurs.ValAccuracy), "-", r.Ours.Training is { } o ? Pct(o.ValAccuracy) : "-");
        if (r.OursCrop is { } crop)
            table.Add("`extract --resize center-crop`", "largest centred square, then bilinear to 224x224", "RGB interleaved (HWC)",
                F1(crop.ImagesPerSecond), "-", "-", crop.Training is { } c ? Pct(c.ValAccuracy) : "-");
        foreach (var f in r.Peer?.Featurizations ?? [])
        {
            var t = r.Training("lbfgs", f.Variant);
            var (resize, layout) = Preprocessing[f.Variant];
            table.Add($"ML.NET {f.Variant}", resize, layout, F1(f.ImagesPerSecond), t is null ? "-" : Pct(t.ValAccuracy),
                t is null || lbfgsOurs is null ? "-" : F($"{(t.ValAccuracy - lbfgsOurs.ValAccuracy) * 100:+0.00;-0.00;0.00} points"), "-");
        }
        int val = r.Ours.Training?.ValRows ?? 0;
        return F($"Where ML.NET's preprocessing differs, and what it does to accuracy ({r.Case.Model.Id} on {r.Case.Dataset}, {r.Ours.Images} photos; the same network throughout). ") +
               (val > 0 ? F($"One of the {val} validation photos is {100.0 / val:F2} points, so a difference of a few photos is noise; the planar layout's is not.") : "") +
               $"\n\n{table}";
    }

    private const string Why =
        "Why. *Featurization*: both sides run the same ONNX Runtime build on the same graph, so the difference is the image path and how the work is " +
        "spread over the cores (the cores-busy column). ML.NET's LoadImages decodes each JPEG with SkiaSharp's built-in decoder into a new bitmap, " +
        "ResizeImages draws it into a second one (IsoCrop with SkiaSharp's high-quality filter; Fill unfiltered, nearest neighbour) and ExtractPixels " +
        "copies that to floats, each photo's steps and then its ONNX Runtime call (a batch of one) in turn on one of the worker threads ML.NET " +
        "splits its cursor over, in a session with ONNX Runtime's defaults but for the thread counts (worker threads spin-wait, which counts as " +
        "CPU time; memory pattern on); `extract` decodes (with libjpeg-turbo where " +
        "installed) on idle-priority threads beside ONNX Runtime, resizes from the decoded bytes and runs batches of 32. Where the network is cheap " +
        "(MobileNet 0.25, about a millisecond a photo) the image path is most of the cost and that is the lead; where it is most of the work " +
        "(EfficientNetB0, VGG19) the lead shrinks to what the image path saves, because on a CPU a batch of one costs ONNX Runtime not much more per " +
        "photo than a batch of 32. Batches cost memory: the activations of 32 photos in flight (ONNX Runtime's arena grows to hold them) make " +
        "`extract`'s peak RSS higher than ML.NET's, which holds one photo's (`extract --batch-size` trades it back). *Training*: ML.NET's trainers " +
        "iterate over IDataView cursors until their convergence criteria hold (L-BFGS's tolerance, SDCA's duality gap); our head is a fixed 30 " +
        "mini-batch Adam epochs over the in-memory features, each validated and checkpointed to disk (the checkpoints are flushed for `--resume`: " +
        "the time outside the epochs). L-BFGS on 256 features needs few, cheap passes, so against it those fixed costs weigh; SDCA's defaults " +
        "take many more.\n";

    private static string Met(bool met) => met ? "yes" : "**no**";

    private static string Pct(double v) => F($"{v * 100:F2} %");

    private static string Mib(long bytes) => bytes < 0 ? "n/a" : F($"{bytes / 1048576.0:F0}");

    private static string F1(double v) => F($"{v:F1}");

    private static string F2(double v) => F($"{v:F2}");

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
