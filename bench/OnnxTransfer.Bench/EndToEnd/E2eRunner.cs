using System.Diagnostics;
using System.Globalization;
using System.Text;
using OnnxTransfer.Bench.Common;
using OnnxTransfer.Extractor.Runtime;

namespace OnnxTransfer.Bench.EndToEnd;

/// <summary>
/// The end-to-end benchmark: a 1x/4x/16x scaling table with peak memory, decode+resize per core,
/// extraction vs ORT alone for each model, head-training epoch time against PyTorch, Predictor latency
/// and throughput, and ML.NET as a peer (its own section, <see cref="MlNetBench"/>). Prints the report as it
/// goes and writes it (markdown) to --out.
/// </summary>
public static class E2eRunner
{
    private const double RatioGoal = 0.95, DecodeGoal = 400, MemoryGrowthLimit = 1.25;
    private static readonly TimeSpan TimeGoal = TimeSpan.FromMinutes(15), QuickGoal = TimeSpan.FromMinutes(3);

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(E2eOptions.Usage);
            return 0;
        }
        E2eOptions options;
        try { options = E2eOptions.Parse(args); }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}\n{E2eOptions.Usage}");
            return 2;
        }
        string workDir = Path.Combine(Path.GetTempPath(), $"onnx-transfer-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(workDir);
        try
        {
            var run = new Run(options, workDir);
            string report = await run.MeasureAsync();
            ReportSections.WriteKeepingOwned(options.Out, report);
            // The ML.NET comparison is its own section, so the `mlnet` verb, which measures only it, replaces the same one.
            ReportSections.Replace(options.Out, MlNetBench.SectionName, run.MlNetSection);
            Console.Error.WriteLine($"[e2e] wrote {Path.GetFullPath(options.Out)}");
            return 0;
        }
        catch (OnnxTransferException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        finally { Directory.Delete(workDir, recursive: true); }
    }

    /// <summary>One run: its sections in order, and the goals table they fill in.</summary>
    private sealed class Run(E2eOptions options, string workDir)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly StringBuilder _sections = new();
        private readonly MarkdownTable _goals = new("Goal", "Measured", "Met?");
        private readonly PhotoSet _photos = PhotoSet.Get();

        public async Task<string> MeasureAsync()
        {
            string startLoad = MachineInfo.LoadAverage();
            // Scaling first, while the process holds nothing but the photo list: its peak memory figures
            // are then that extraction's own, not buffers the bigger models leave behind.
            await ScalingAsync();
            var decode = Decode();
            string? efficientNetFeatures = await ExtractionAsync(decode.ImagesPerSecond);
            await SessionsAsync();
            ColdStart();
            Epoch(efficientNetFeatures);
            Predict();
            MlNet();

            var total = _clock.Elapsed;
            var limit = options.Quick ? QuickGoal : TimeGoal;
            _goals.Add($"{(options.Quick ? "--quick" : "full")} run under {limit.TotalMinutes:F0} minutes on this machine", $"{total:mm\\:ss}", Met(total < limit));
            return Header(startLoad, total) + "## Goals\n\n" + _goals + "\n" + _sections + Notes;
        }

        private async Task ScalingAsync()
        {
            var model = BenchModel.MobileNet025Real;
            Progress($"scaling: {model.Id}");
            var (rows, method) = await ScalingBench.RunAsync(model, options, workDir);
            var table = new MarkdownTable("Input", "Images", "Seconds", "Images/s", "Peak RSS MiB", "Live managed heap MiB after (full GC)");
            foreach (var row in rows)
                table.Add($"{row.Multiple}x", row.Images, F(row.Seconds, 2), F(row.ImagesPerSecond, 1), F(row.PeakBytes / 1048576.0, 1), F(row.LiveHeapBytes / 1048576.0, 1));
            double growth = (double)rows[^1].PeakBytes / rows[0].PeakBytes, live = (double)rows[^1].LiveHeapBytes / rows[0].LiveHeapBytes;
            _goals.Add($"memory flat from 1x to 16x images: peak RSS (16x <= {MemoryGrowthLimit:F2} x 1x)", $"x{growth:F2}", Met(growth <= MemoryGrowthLimit));
            _goals.Add($"memory flat from 1x to 16x images: live managed heap after full GC (16x <= {MemoryGrowthLimit:F2} x 1x)", $"x{live:F2}", Met(live <= MemoryGrowthLimit));
            Section("Scaling: 1x, 4x, 16x images",
                $"`FeatureExtractor` over {model.Title}, {model.WeightsLabel}, batch {options.BatchSize}. The 1x input is {options.ScalingBase} photos " +
                "spread over the set; 4x and 16x repeat them (copies of the files), so only the count changes. " +
                $"Memory: {method}, for the whole process (ORT session, decoders, writer); peak RSS also counts garbage the GC has not " +
                $"collected yet, the live heap after a forced full GC does not.\n\n{table}");
        }

        private DecodeResult Decode()
        {
            Progress("decode+resize, single thread");
            var d = DecodeBench.Run(options.DecodePhotos);
            _goals.Add($"decode+resize >= {DecodeGoal:F0} images/s per core", F(d.ImagesPerSecond, 1), Met(d.ImagesPerSecond >= DecodeGoal));
            var rate = new MarkdownTable("JPEG decoder", "Photos", "Median size", "Images/s (one thread = per core)", "ms / image", $"Goal >= {DecodeGoal:F0}/s/core")
                .Add($"{d.Decoder[(d.Decoder.IndexOf(':') + 2)..]} (the default here)", d.Photos, d.MedianSize, F(d.ImagesPerSecond, 1), F(d.TotalMs, 2), Met(d.ImagesPerSecond >= DecodeGoal))
                .Add("SkiaSharp's (--jpeg-decoder skia)", d.Photos, d.MedianSize, F(d.SkiaImagesPerSecond, 1), F(1000 / d.SkiaImagesPerSecond, 2), Met(d.SkiaImagesPerSecond >= DecodeGoal));
            var steps = new MarkdownTable("Step (same photos, one at a time)", "ms / image");
            steps.Add("read file", F(d.ReadMs, 3));
            steps.Add("SkiaSharp JPEG decode to RGBA, full size", F(d.SkiaDecodeMs, 3));
            steps.Add("RGBA bytes -> float RGB (the loader skips this for opaque images)", F(d.ToFloatMs, 3));
            steps.Add("bilinear resize to 224x224 (Resampler, from floats)", F(d.ResizeMs, 3));
            steps.Add("ImageLoader.LoadInto from memory, SkiaSharp decoder", F(d.LoadSkiaMs, 3));
            steps.Add("ImageLoader.LoadInto from memory, system libjpeg-turbo", d.LoadTurboMs is { } t ? F(t, 3) : "not installed");
            Section("Decode + resize per core",
                $"Single-threaded `ImageLoader.LoadInto(path)` loops over {d.Photos} of {_photos.Source}, 224x224 bilinear stretch, " +
                $"after a warm-up of 16 photos; both decoders give the same pixels (tested on every photo in ../shared). " +
                $"{d.LargePhotos} of these photos have a short side >= 896 px, the only ones the loader may decode at reduced size.\n\n" +
                $"{rate}\nWhere the time goes:\n\n{steps}");
            return d;
        }

        /// <returns>The EfficientNetB0 features folder, for the epoch-time hook.</returns>
        private async Task<string?> ExtractionAsync(double decodePerCore)
        {
            var plan = new (BenchModel Model, int Images)[]
            {
                (BenchModel.EfficientNetB0Avg, options.ImagesScaled(2)),
                (BenchModel.Vgg19Block2, options.ImagesScaled(0.25)),
                (BenchModel.Vgg19Block5, options.ImagesScaled(1.0 / 3)),
                (BenchModel.MobileNet025Real, options.ImagesScaled(4)),
            };
            // The default (one ORT thread per physical core) and, on a multi-core machine, one core left to
            // the decoders: the issue's "same thread count" comparison where the pipeline has room to overlap.
            int[] threadCounts = options.Threads > 0 ? [options.Threads]
                : CpuCores.Physical > 1 ? [CpuCores.Physical, CpuCores.Physical - 1] : [1];
            var main = new MarkdownTable("Model / layer / pool", "Weights", "Values per image", "Images", "ORT threads", "Decoder threads",
                "Extraction img/s (folder -> Parquet)", "ORT-only img/s, ORT defaults / extractor settings", "Ratio (to the faster)", $"Goal >= {RatioGoal:F2}");
            int cores = Environment.ProcessorCount;
            var costs = new MarkdownTable("Model / layer / pool", "ORT threads", "ORT ms/img (wall)", "ORT CPU core-ms/img", "Decode+resize core-ms/img",
                "Parquet write ms/img (alone)", $"CPU ceiling of the ratio on {cores} cores", "Measured / ceiling");
            string? efficientNet = null;
            var model1 = BenchModel.EfficientNetB0Avg;
            double? slowdown = cores > 1 ? ExtractionBench.NeighbourSlowdown(model1, options.Images, options) : null;
            foreach (int threads in threadCounts)
                foreach (var (model, images) in plan)
                {
                    Progress($"extraction vs ORT-only: {model.Id}, {images} images, {threads} ORT thread(s)");
                    var r = await ExtractionBench.RunAsync(model, images, threads, options, workDir);
                    string ratio = F(r.Ratio, 3);
                    main.Add(model.Title, r.Weights, r.FeatureWidth.ToString("N0", CultureInfo.InvariantCulture), images, r.OrtThreads, r.DecodeWorkers,
                        F(r.EndToEnd, 1), $"{F(r.OrtDefaults, 1)} / {F(r.OrtAsExtractor, 1)}", ratio, Met(r.Ratio >= RatioGoal) + (r.Errors > 0 ? $" ({r.Errors} decode errors)" : ""));
                    double ort = 1000 / r.OrtAsExtractor, decode = 1000 / decodePerCore, write = 1000 / r.WriteOnly;
                    double ceiling = Math.Min(1, cores * ort / (r.OrtCpuMsPerImage + decode + write));
                    costs.Add(model.Title, r.OrtThreads, F(ort, 2), F(r.OrtCpuMsPerImage, 2), F(decode, 2), F(write, 2), F(ceiling, 3), F(r.Ratio / ceiling, 3));
                    _goals.Add($"extraction / ORT-only >= {RatioGoal:F2}: {model.Id}, {r.OrtThreads} ORT thread(s) of {cores} cores", ratio, Met(r.Ratio >= RatioGoal));
                    if (model == BenchModel.EfficientNetB0Avg) efficientNet = r.OutputDir;
                }
            Section("Feature extraction: end to end vs ONNX Runtime alone",
                $"Same truncated graph, batch size {options.BatchSize}, same ORT intra-op thread count on both sides, measured in this run: " +
                $"best of {options.Repeats} alternating repeat(s), each side warmed up with two batches first (a session's first runs grow " +
                "ORT's memory arena and are several times slower: see the cold-start section). *Extraction* is the whole `FeatureExtractor.ExtractAsync` call " +
                "over a folder of photos (scan, parallel decode+resize, ORT, Parquet shards, backbone.onnx, manifest); *ORT-only* runs the same " +
                "number of pre-decoded images in the same batches, with ORT's default session settings (worker threads spin-wait for work; memory pattern on) and " +
                "as the extractor sets its session up (no spin-waiting, no memory pattern); the ratio is to the faster of the two. *Decoder threads* is the extractor's " +
                "default: one per logical core at idle priority (SCHED_IDLE), so they only run where ORT leaves a core idle, and the inference " +
                $"stage decodes whatever a batch still lacks when it needs it. {ThreadsNote}\n\n{main}\n" +
                "Where the difference comes from. The decoders and the Parquet writer need CPU time beside ONNX Runtime's, so even a perfect " +
                "pipeline reaches at most cores x ORT wall time / (ORT CPU time + decode + write), per image, capped at 1 (ORT wall and CPU " +
                "time from the ORT-only run with the extractor's settings; decode from the single-thread loop above, write timed alone on the same rows). " +
                "With one core left free the ceiling is 1: any shortfall is the pipeline's own. With ORT on every core the decoders take the " +
                "time ORT's threads spend waiting on each other, and beyond that must take CPU from it.\n\n" +
                $"{costs}" + (slowdown is { } x
                    ? $"\nNeighbour cost: ORT alone on one thread ran {F(x * 100, 1)} % slower while another thread spun on a second core ({model1.Id}, " +
                      "same run). Virtual CPUs can share a physical core or its cache, so decoding on the \"free\" core is not quite free.\n"
                    : ""));
            return efficientNet;
        }

        private async Task SessionsAsync()
        {
            int threads = CpuCores.ThreadsFor(options.Threads);
            if (threads < 2) return;
            var table = new MarkdownTable("Model / layer / pool", "Images", "ORT threads",
                $"Extraction img/s, 1 session of {threads} threads", $"Extraction img/s, {threads} sessions of 1 thread", "Speedup",
                $"ORT-only img/s, 1 session of {threads} threads", $"ORT-only img/s, {threads} sessions of 1 thread",
                $"{threads} sessions: extraction / ORT-only 1 session", $"{threads} sessions: extraction / ORT-only {threads} sessions");
            foreach (var (model, images) in new[] { (BenchModel.EfficientNetB0Avg, options.ImagesScaled(2)), (BenchModel.MobileNet025Real, options.ImagesScaled(4)) })
            {
                Progress($"sessions side by side: {model.Id}, {images} images, {threads} ORT threads");
                var r = await SessionsBench.RunAsync(model, images, threads, options, workDir);
                table.Add(model.Title, images, threads, F(r.OneSession, 1), F(r.ManySessions, 1), $"{F(r.Speedup, 2)}x", F(r.OrtOneSession, 1),
                          F(r.OrtManySessions, 1), F(r.ManySessions / r.OrtOneSession, 3), F(r.ManySessions / r.OrtManySessions, 3));
            }
            Section($"Parallel sessions (`extract --sessions {threads}`)",
                $"The same {threads} ORT threads as one session, or as {threads} single-threaded sessions each running its own batches " +
                "(`ExtractionOptions.Sessions`; rows still leave in input order). A multi-threaded session spends part of every kernel " +
                "with its threads waiting on each other; side by side, single-threaded sessions do not, at the cost of a second copy of " +
                "the weights and activation memory. ORT-only is measured in both layouts (pre-decoded images, same batches, one session " +
                "the faster of ORT's default settings and the extractor's); best of " +
                $"{options.Repeats} alternating repeat(s). The last column is the pipeline's own overhead in this layout: the decoders' CPU " +
                "time has no idle ORT time to hide in, since single-threaded sessions leave none. VGG19 is not shown: its ORT CPU time per image " +
                "hardly changes with the thread count (the cost table above), so there is little to win.\n\n" + table);
        }

        private void ColdStart()
        {
            const int Runs = 4;
            string? thp = ColdStartBench.TransparentHugePages();
            // Huge pages are worth a row only where glibc must ask for them: "always" gives them anyway, "never" refuses.
            bool hugePageRows = OperatingSystem.IsLinux() && thp == "madvise";
            var runs = new MarkdownTable(["Model / layer / pool", "Memory pattern", "glibc malloc", "Session ready ms",
                                          .. Enumerable.Range(1, Runs).Select(i => $"Run {i} ms"), "Peak memory MiB (above the process before)"]);
            var configurations = new List<(bool Pattern, bool HugePages)> { (true, false), (false, false) };
            if (hugePageRows) configurations.Add((false, true));
            const string Default = "default", Huge = "GLIBC_TUNABLES=" + ColdStartBench.HugePagesTunable;
            foreach (var model in new[] { BenchModel.EfficientNetB0Avg, BenchModel.Vgg19Block5 })
                foreach (var (pattern, huge) in configurations)
                {
                    Progress($"cold start: {model.Id}, memory pattern {(pattern ? "on" : "off")}{(huge ? ", huge pages" : "")}");
                    var r = ColdStartBench.Runs(model, pattern, huge, Runs, options);
                    runs.Add([model.Title, pattern ? "on (ORT's default)" : "off (the extractor's)", huge ? Huge : Default, F(r.ReadyMs, 0),
                              .. r.RunMs.Select(ms => (object)F(ms, 0)), F(r.PeakMiB, 0)]);
                }
            var model1 = BenchModel.EfficientNetB0Avg;
            int images = options.ImagesScaled(2);
            var extraction = new MarkdownTable("Model / layer / pool", "glibc malloc", "Images", "FeatureExtractor ready ms", "First extraction img/s", "Second extraction img/s");
            foreach (bool huge in hugePageRows ? new[] { false, true } : [false])
            {
                Progress($"cold start: fresh FeatureExtractor, {model1.Id}, {images} images{(huge ? ", huge pages" : "")}");
                var e = ColdStartBench.Extraction(model1, images, huge, options);
                extraction.Add(model1.Title, huge ? Huge : Default, images, F(e.ReadyMs, 0), F(e.First, 1), F(e.Second, 1));
            }
            Section("Cold start",
                "What a new process pays before ONNX Runtime runs at full speed, each row measured in a fresh child process of this " +
                $"benchmark: session creation with the output-shape probe (as the extractor does it), then the first {Runs} batches of " +
                $"{options.BatchSize} one by one, {CpuCores.Physical} ORT thread(s), no spin-waiting; and the peak resident memory above what the " +
                "process held before (kernel VmHWM). A session's first run grows ORT's memory arena and page-faults it in; with the memory " +
                "pattern on (ORT's default) the second run allocates a fresh block for its plan and pays again, with it off the arena " +
                $"of the first run is reused. Transparent huge pages here: {thp ?? "unknown"}" +
                (hugePageRows ? $"; in that mode only memory that asks for them gets them, which glibc's malloc (ORT's allocator) does when started with {Huge}." : ".") +
                $"\n\n{runs}\nThe same for a whole extraction: a fresh `FeatureExtractor` (default settings) over {images} photos, then again in the same process.\n\n{extraction}");
        }

        private void Epoch(string? featuresDir)
        {
            Progress("head training: epochs, dense product, PyTorch peer");
            string warm = $"best of epochs 2-{Head.HeadQuickBench.TimedEpochs}, warm";
            var table = new MarkdownTable("Head", "Rows", "Features", $"Seconds per epoch ({warm})", $"PyTorch CPU seconds ({warm})", "Ours / PyTorch");
            if (featuresDir is not null)
            {
                var set = Features.FeatureSet.Load(featuresDir);
                var seconds = Head.HeadQuickBench.EpochSeconds(set, "bn-dropout", Head.HeadQuickBench.TimedEpochs);
                table.Add("bn-dropout (EfficientNet recipe)", set.Rows, set.Width, F(Head.HeadQuickBench.Warm(seconds), 3), "-", "-");
            }
            // The issue's goals: the dense product >= 10x MathNet's managed Multiply, and one mlp:1024,1024 epoch
            // on 2,000 x 25,088 (VGG19 block5_pool-wide) features no slower than PyTorch's, all measured here in this run.
            var quick = Head.HeadQuickBench.Run(TextWriter.Null, epochRows: 2000);
            var torch = quick.Torch;
            table.Add($"{quick.Head} (random features)", quick.EpochRows, 25088, F(quick.EpochSeconds, 2),
                torch.Warm is { } t ? $"{F(t, 2)} (torch {torch.Version}, {torch.Threads} threads)" : torch.Problem!,
                quick.TorchRatio is { } r ? $"{F(r, 2)}x" : "-");
            var gemm = new MarkdownTable("Product", "MathNet managed GFLOP/s", "Our SGEMM GFLOP/s", "Ratio (goal >= 10)");
            gemm.Add("(256 x 25088) * (25088 x 1024)", F(quick.ManagedGflops, 1), F(quick.FastGflops, 1), F(quick.Ratio, 1));
            _goals.Add("dense product >= 10x MathNet's managed Multiply", $"{F(quick.Ratio, 1)}x", Met(quick.Ratio >= 10));
            _goals.Add("mlp:1024,1024 epoch <= 1.0x PyTorch CPU (same machine, same threads)",
                quick.TorchRatio is { } ratio ? $"{F(ratio, 2)}x" : torch.Problem!, quick.TorchRatio is { } met ? Met(met <= 1.0) : "not measured");
            Section("Head training",
                "Epoch times (training pass plus validation of a 20 % split), each the fastest of epochs 2 to " +
                $"{Head.HeadQuickBench.TimedEpochs}, ours and PyTorch's alike: JIT compilation and thread-pool start-up fall in the first, and a burst " +
                "of load from other programs on a shared machine rarely spoils two epochs. The PyTorch row is bench/peers/head_torch.py run from this benchmark on the same " +
                "rows, labels and validation rows (handed over as .npy), same head, Adam, batch 64, with one thread per core as ours " +
                $"(`torch.set_num_threads({Environment.ProcessorCount})`), and glibc malloc told to keep freed memory (`MALLOC_MMAP_MAX_=0`; " +
                "by default each of Adam's 100 MB temporaries is a fresh mapping that page-faults every step, which made torch's epoch " +
                $"about 10x slower here). Then the dense product behind them.\n\n{table}\n{gemm}");
        }

        private void Predict()
        {
            var table = new MarkdownTable("Backbone", "Weights", "Head", "Single image p50 ms", "p99 ms", "Repeats", "Batch throughput img/s (PredictFiles)");
            foreach (var model in new[] { BenchModel.MobileNet025Real, BenchModel.EfficientNetB0Avg })
            {
                Progress($"predict: {model.Id}");
                var p = PredictBench.Run(model, options, options.Images);
                table.Add(model.Title, p.Weights, "Gemm+Softmax, 2 classes, random weights", F(p.P50Ms, 1), F(p.P99Ms, 1), p.Repeats,
                    $"{F(p.BatchRate, 1)} ({p.BatchImages} files, batch {p.BatchSize})");
            }
            Section("Prediction (Predictor)",
                "`Predictor.Predict(file)` warm (after 5 calls), one photo at a time: decode + backbone + head; then `PredictFiles` over a list " +
                "(parallel decode, batched runs). The head is a single dense layer with random weights, enough here because the backbone " +
                $"dominates the cost. ORT intra-op threads {ThreadsText}.\n\n{table}");
        }

        /// <summary>The mlnet-peer section this run measured (written beside the report by <see cref="RunAsync"/>).</summary>
        public string MlNetSection { get; private set; } = "";

        private void MlNet()
        {
            Progress("ML.NET peer: featurization and trainers against extract and train");
            var (section, goals) = MlNetBench.Measure(options.Threads, options.Quick, Command);
            foreach (var g in goals) _goals.Add(g.Goal, g.Measured, g.Met);
            MlNetSection = section;
            Console.WriteLine(section);
        }

        private string Command => "dotnet run -c Release --project bench/OnnxTransfer.Bench -- e2e" + (options.Arguments.Count > 0 ? " " + string.Join(' ', options.Arguments) : "");

        private string Header(string startLoad, TimeSpan total)
        {
            var sb = new StringBuilder("# OnnxTransfer benchmarks\n\n");
            sb.Append("Written by `").Append(Command).Append("` (see bench/README.md); rerun it rather than editing this file. ")
              .Append("Sections between `<!-- begin NAME -->` and `<!-- end NAME -->` lines at the end are written by the benchmark they name, with its command; e2e keeps them.\n\n");
            var machine = new MarkdownTable("Machine and run", "");
            machine.Add("Date", DateTime.Now.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture));
            foreach (var (k, v) in MachineInfo.Describe()) machine.Add(k, v);
            machine.Add("Load average (1/5/15 min) at start / end", $"{startLoad} / {MachineInfo.LoadAverage()}");
            machine.Add("ORT device", options.Device.ToString());
            machine.Add("Photos", _photos.Source);
            machine.Add("Run time", $"{total:mm\\:ss}{(options.Quick ? " (--quick)" : "")}");
            sb.Append(machine).Append('\n');
            if (Environment.ProcessorCount <= 2 && options.Device.Kind == DeviceKind.Cpu)
                sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"**This machine has {Environment.ProcessorCount} logical cores.** Decoding, Parquet writing and ONNX Runtime share them, ")
                  .Append("so the extraction/ORT ratios here are a worst case: with more cores the decoders run beside ORT instead of taking turns with it.\n\n");
            return sb.ToString();
        }

        private const string Notes =
            "## Notes\n\n" +
            "- Models labelled random weights are for timing only: weight values do not change the time of a dense CNN.\n" +
            "- Throughput figures are wall-clock images/s of a warm process; compare figures only within one report (one run, one machine).\n" +
            "- Micro-benchmarks (BenchmarkDotNet) and how to run on a GPU machine: bench/README.md.\n";

        private string ThreadsText => options.Threads == 0
            ? $"{CpuCores.Physical} (the default: one per physical core)" : options.Threads.ToString(CultureInfo.InvariantCulture);

        /// <summary>Why the default thread count is ours and not ORT's.</summary>
        private static string ThreadsNote =>
            "The default thread count is one per physical core as Linux reports it; ONNX Runtime's own default (0) detects cores through " +
            "cpuinfo, which on this project's 2-core virtual machines finds one and so leaves half the CPU idle.";

        private void Section(string title, string body)
        {
            string text = $"## {title}\n\n{body}\n";
            _sections.Append(text);
            Console.WriteLine(text);
        }

        private void Progress(string what) => Console.Error.WriteLine($"[e2e {_clock.Elapsed:mm\\:ss}] {what}");
    }

    private static string F(double v, int digits) => v.ToString("F" + digits, CultureInfo.InvariantCulture);

    private static string Met(bool met) => met ? "yes" : "**no**";
}
