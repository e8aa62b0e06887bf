using System.Globalization;
using System.CommandLine;
using OnnxTransfer.Extractor.Augmentation;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Extractor.Runtime;
using OnnxTransfer.Features;
using OnnxTransfer.Models;
using Spectre.Console;

namespace OnnxTransfer.Cli.Commands;

/// <summary>`onnx-transfer extract &lt;input&gt; --model M --layer L -o DIR`: image folder -> Parquet features.</summary>
public static class ExtractCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "Image folder (class sub-folders, optionally under train/val/test), flat folder, or list file of path[,label] lines (Food-101's meta/train.txt works as it is)." };
        var model = new Option<string>("--model", "-m") { Description = "Built-in model name or .onnx file.", Required = true };
        var layers = new Option<string[]>("--layer") { Description = "Layer to extract (repeatable); omit for an already-truncated model.", AllowMultipleArgumentsPerToken = false };
        var pool = new Option<string?>("--pool") { Description = "Global pooling of each layer: none, avg or max (default none)." };
        pool.AcceptOnlyFromAmong("none", "avg", "max");
        var output = new Option<string>("--output", "-o") { Description = "Output folder for the Parquet shards.", Required = true };
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:<id> or auto.", DefaultValueFactory = _ => "auto" };
        var batch = new Option<string>("--batch-size")
        {
            Description = $"Images per ONNX Runtime call, or auto: on CUDA the largest power of two up to {ExtractionOptions.MaxAutoBatchSize} that fits in GPU memory " +
                          $"(found by trial runs, and reported); on CPU auto is the default, {ExtractionOptions.DefaultBatchSize}.",
            DefaultValueFactory = _ => ExtractionOptions.DefaultBatchSize.ToString(CultureInfo.InvariantCulture),
        };
        var cuda = new CudaArguments();
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: one per physical core).", DefaultValueFactory = _ => 0 };
        var sessions = new Option<int>("--sessions")
        {
            Description = "ONNX Runtime sessions running different batches side by side on CPU, splitting --threads between them; each holds " +
                          "its own weights and working memory. Single-threaded sessions are a few per cent faster for EfficientNet/MobileNet-size models.",
            DefaultValueFactory = _ => 1,
        };
        var size = new Option<int?>("--input-size") { Description = "Square input side (default: the model's, usually 224)." };
        var resize = new Option<string>("--resize")
        {
            Description = "stretch, center-crop (the largest centred square, then resize), or short-side (the shorter side to " +
                          "input-size / crop-fraction, then the centre crop: torchvision's Resize(256) + CenterCrop(224) with pil-bilinear, timm's eval with pil-bicubic).",
            DefaultValueFactory = _ => "stretch",
        };
        resize.AcceptOnlyFromAmong([.. Enum.GetValues<ResizeMode>().Select(r => OptionNames.Name(r))]);
        var cropFraction = new Option<double?>("--crop-fraction")
        {
            Description = $"short-side: the share of the resized shorter side the crop keeps (timm's crop_pct). Default {ImageOptions.DefaultCropFraction}.",
        };
        var interpolation = new Option<string>("--interpolation")
        {
            Description = "bilinear (alias keras-dataset: tf.image.resize), nearest, area, bicubic; or the exact bytes of Pillow's Image.resize: " +
                          "pil-nearest (alias keras-load-img: Keras load_img/flow_from_directory), pil-bilinear, pil-bicubic, pil-lanczos " +
                          "(these decode as PIL does: no EXIF rotation, alpha dropped).",
            DefaultValueFactory = _ => "bilinear",
        };
        interpolation.AcceptOnlyFromAmong([.. Enum.GetValues<Interpolation>().Select(i => OptionNames.Name(i)), .. OptionNames.InterpolationAliases.Keys]);
        var jpegDecoder = new Option<string>("--jpeg-decoder")
        {
            Description = "auto (the system's libjpeg-turbo when installed), skia or libjpeg-turbo; same pixels, different speed.",
            DefaultValueFactory = _ => "auto",
        };
        jpegDecoder.AcceptOnlyFromAmong("auto", "skia", "libjpeg-turbo");
        var maxFileSize = new Option<string>("--max-file-size")
        {
            Description = "Refuse image files larger than this, before reading them (e.g. 256MB, 1GB); they go to errors.tsv.",
            DefaultValueFactory = _ => ByteSize.Format(ImageOptions.DefaultMaxFileBytes),
        };
        var checkpoint = new Option<int>("--checkpoint-seconds")
        {
            Description = "Save the shard being written this often, so a killed run loses at most this much work (Ctrl-C saves at once).",
            DefaultValueFactory = _ => 30,
        };
        var dtype = new Option<string>("--dtype")
        {
            Description = "Precision the features are stored in: float32, or float16 (rounded to nearest, shards about half the size; a value beyond ±65504 is refused).",
            DefaultValueFactory = _ => "float32",
        };
        dtype.AcceptOnlyFromAmong("float32", "float16");
        var shard = new Option<string?>("--shard")
        {
            Description = "Extract only shard K/N (0-based; e.g. 2/4) of the input, into the -o folder the other shards share. Default: from SLURM_ARRAY_TASK_ID " +
                          "(with SLURM_ARRAY_TASK_COUNT) or JOB_COMPLETION_INDEX (with --shard-count or ONNX_TRANSFER_SHARD_COUNT) when set, else the whole input; 0/1 forces the whole input.",
        };
        var shardCount = new Option<int?>("--shard-count")
        {
            Description = "The shard count for a task whose index comes from the engine (JOB_COMPLETION_INDEX, or SLURM_ARRAY_TASK_ID of a task resubmitted alone).",
        };
        var augment = new Option<int>("--augment")
        {
            Description = "Also extract K augmented views of each training image (split train, or none), for train to draw one per epoch; val and test are never augmented.",
            DefaultValueFactory = _ => 0,
        };
        var defaults = new AugmentationOptions();
        var flip = new Option<bool>("--flip") { Description = "With --augment: flip views horizontally half the time (--flip false to stop).", DefaultValueFactory = _ => defaults.Flip };
        var zoom = new Option<float>("--zoom") { Description = "With --augment: zoom each axis by a factor in [1-Z, 1+Z].", DefaultValueFactory = _ => defaults.Zoom };
        var shift = new Option<float>("--shift") { Description = "With --augment: shift each axis by up to this fraction of the image.", DefaultValueFactory = _ => defaults.Shift };
        var rotate = new Option<float>("--rotate") { Description = "With --augment: rotate by up to this many degrees either way.", DefaultValueFactory = _ => defaults.Rotate };
        var fill = new Option<string>("--fill") { Description = "With --augment: what fills pixels from outside the image: nearest, reflect or constant (black).", DefaultValueFactory = _ => "nearest" };
        fill.AcceptOnlyFromAmong("nearest", "reflect", "constant");
        var augmentSeed = new Option<ulong>("--augment-seed") { Description = "With --augment: the views' seed (each view depends only on it, the image's path and the view's number).", DefaultValueFactory = _ => 0UL };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace features in -o extracted with different settings." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress bar; print only the summary line." };

        var command = new Command("extract", "Extract CNN features from images into sharded Parquet (resumable: rerun the same command to continue).")
        {
            input, model, layers, pool, output, device, batch, cuda.ConvAlgoSearch, cuda.ArenaExtend, cuda.MemoryLimit, threads, sessions, size, resize, cropFraction, interpolation, jpegDecoder, maxFileSize, checkpoint, dtype, shard, shardCount, augment, flip, zoom, shift, rotate, fill, augmentSeed, overwrite, quiet,
        };
        command.SetAction(async (parse, ct) =>
        {
            // The input first: a wrong path should not wait for a model to load. The output folder may lie inside it.
            string outputArg = parse.GetValue(output)!;
            var (task, taskSource) = Shard(parse.GetValue(shard), parse.GetValue(shardCount));
            var a = new AugmentationOptions
            {
                Views = parse.GetValue(augment), Flip = parse.GetValue(flip), Zoom = parse.GetValue(zoom), Shift = parse.GetValue(shift),
                Rotate = parse.GetValue(rotate), Fill = Enum.Parse<FillMode>(parse.GetValue(fill)!, ignoreCase: true), Seed = parse.GetValue(augmentSeed),
            };
            if (a.Views == 0 && new Option[] { flip, zoom, shift, rotate, fill, augmentSeed }.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } stray)
                throw new OnnxTransferException($"{stray.Name} shapes augmented views; add --augment K (views per training image) or leave it out.");
            var resizeMode = OptionNames.Parse<ResizeMode>(parse.GetValue(resize)!);
            double crop = CropFraction(parse.GetValue(cropFraction), resizeMode);
            var cudaOptions = cuda.Parse(parse); // a malformed flag is named before any file is read
            var inputs = InputScanner.Scan(parse.GetValue(input)!, outputArg);
            string modelArg = parse.GetValue(model)!;
            var deviceSpec = DeviceSpec.Parse(parse.GetValue(device)!);
            deviceSpec.CheckAvailable();
            var proto = ModelZoo.Load(modelArg);
            var layerList = parse.GetValue(layers) ?? [];
            string? poolArg = parse.GetValue(pool);
            if (layerList.Length > 0)
                proto = GraphTruncator.Truncate(proto, layerList, GraphTruncator.ParsePool(poolArg ?? "none"));
            else if (proto.Info.Features.Count == 0)
                throw new OnnxTransferException($"Model '{modelArg}' is not truncated; pass --layer NAME (list them with onnx-transfer models layers {modelArg}).");
            else if (poolArg != null)
                throw new OnnxTransferException($"--pool needs --layer: model '{modelArg}' is already truncated with its own pooling.");

            var options = new ExtractionOptions
            {
                ModelName = File.Exists(modelArg) ? Path.GetFileNameWithoutExtension(modelArg) : modelArg,
                Device = deviceSpec,
                BatchSize = BatchSize(parse.GetValue(batch)!),
                Cuda = cudaOptions,
                Threads = parse.GetValue(threads),
                Sessions = parse.GetValue(sessions),
                InputSize = parse.GetValue(size),
                Resize = resizeMode,
                Interpolation = OptionNames.Parse<Interpolation>(parse.GetValue(interpolation)!),
                CropFraction = crop,
                JpegDecoder = OptionNames.Parse<JpegDecoder>(parse.GetValue(jpegDecoder)!),
                MaxFileBytes = ByteSize.Parse(parse.GetValue(maxFileSize)!, "--max-file-size"),
                CheckpointInterval = TimeSpan.FromSeconds(parse.GetValue(checkpoint)),
                Dtype = OptionNames.Parse<FeatureDtype>(parse.GetValue(dtype)!),
                Overwrite = parse.GetValue(overwrite),
                Shard = task,
                Augmentation = a,
            };
            bool isQuiet = parse.GetValue(quiet);
            using var extractor = new FeatureExtractor(proto, options);
            extractor.Warning += Terminal.Warn;
            if (!isQuiet)
            {
                if (options.Device.Kind == DeviceKind.Auto)
                    Console.Error.WriteLine($"--device auto took {extractor.Device}: {extractor.DeviceReason}");
                if (options.BatchSize == ExtractionOptions.AutoBatchSize)
                    Console.Error.WriteLine($"--batch-size auto took {extractor.BatchSize}: {LibraryTerms.ToCli(extractor.BatchSizeReason)}");
                Console.Error.WriteLine($"ONNX Runtime on {extractor.Device} with {Sessions(extractor)}, {extractor.DecodeWorkers} decoder thread(s) at {FeatureExtractor.DecoderPriority} priority, " +
                                        $"about {extractor.EstimatedMemoryBytes / 1e9:F1} GB of memory; {extractor.JpegDecoderDescription}");
                JpegAdvice.Once(extractor.JpegDecoderAdvice);
            }

            if (!isQuiet && a.Views > 0)
                Console.Error.WriteLine($"augmentation: {a.Views} view(s) per training image ({(a.Flip ? "flips, " : "")}zoom {a.Zoom:G3}, shift {a.Shift:G3}, rotate {a.Rotate:G3}°, " +
                                        $"fill {a.Fill.ToString().ToLowerInvariant()}, seed {a.Seed}); train draws one row of each image per epoch");
            InputNotice.Write(inputs, isQuiet, warnings: false); // the extractor raises them, beside its own
            var summary = isQuiet || !Terminal.Out.Profile.Capabilities.Interactive
                ? await extractor.ExtractAsync(inputs, outputArg, null, ct)
                : await WithProgressBar(p => extractor.ExtractAsync(inputs, outputArg, p, ct));
            string share = task.Count == 1 ? "" : $"shard {task} ({taskSource}), {Parts(summary)}: ";
            string set = task.Count == 1 ? "" : summary.SetComplete ? "; the feature set is complete"
                : $"; the set is complete when every shard is: `onnx-transfer features verify {outputArg}`";
            Console.WriteLine(
                share + $"{summary.ImagesIn} images -> {summary.RowsWritten} rows" + (summary.AugmentedRows > 0 ? $" ({summary.AugmentedRows} augmented views)" : "") + $", {summary.Errors} errors" +
                (summary.UnreadableFolders > 0 ? $" ({summary.UnreadableFolders} unreadable folder(s) also in errors.tsv)" : "") +
                (summary.ResumedImages > 0 ? $" ({summary.ResumedImages} done by an earlier run)" : "") +
                $" in {summary.Seconds:F1} s ({summary.ImagesPerSecond:F1} images/s on {summary.Device}{Stages(summary)}); features in {outputArg}{set}");
            return 0;
        });
        return command;
    }

    /// <summary>The shard this task is (<see cref="ExtractionShard"/>) and what said so: --shard, the engine's environment, or nothing (the whole input).</summary>
    private static (ExtractionShard Shard, string Source) Shard(string? shard, int? count)
    {
        if (shard is not null)
        {
            if (count is not null)
                throw new OnnxTransferException("--shard-count is for a task whose index comes from the engine; --shard K/N already gives the count.");
            return (ExtractionShard.Parse(shard), "--shard");
        }
        if (ExtractionShard.FromEnvironment(Environment.GetEnvironmentVariable, count) is { } fromEngine) return (fromEngine.Shard, LibraryTerms.ToCli(fromEngine.Source));
        if (count is not null)
            throw new OnnxTransferException(
                "--shard-count needs this task's index: give --shard K/N, or run as a Slurm array task (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job pod (JOB_COMPLETION_INDEX).");
        return (ExtractionShard.Whole, "");
    }

    /// <summary>The --batch-size value: a count, or auto (<see cref="ExtractionOptions.AutoBatchSize"/>).</summary>
    private static int BatchSize(string text) =>
        text.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase) ? ExtractionOptions.AutoBatchSize
        : int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) && n != ExtractionOptions.AutoBatchSize ? n
        : throw new OnnxTransferException($"--batch-size {text} is not a batch size; give a count of images (e.g. 64) or auto.");

    /// <summary>Which stage bound the run: the decoders' and the model's own rates (<see cref="ExtractionSummary.Bottleneck"/>).</summary>
    private static string Stages(ExtractionSummary s) =>
        s.Bottleneck == "" ? "" : $"; decoding {s.DecodeImagesPerSecond:F1} images/s, model {s.ModelImagesPerSecond:F1} images/s: {s.Bottleneck} binds";

    private static string Parts(ExtractionSummary s) =>
        s.PartCount == 0 ? "no part files" : s.PartCount == 1 ? FeatureFormat.ShardName(s.FirstPart) : $"{FeatureFormat.ShardName(s.FirstPart)}..{FeatureFormat.ShardName(s.FirstPart + s.PartCount - 1)}";

    private static string Sessions(FeatureExtractor e) =>
        e.Sessions == 1 ? $"{e.OrtThreads} thread(s)" : $"{e.Sessions} sessions of {e.OrtThreads / e.Sessions} thread(s)";

    private static Task<ExtractionSummary> WithProgressBar(Func<IProgress<ExtractionProgress>, Task<ExtractionSummary>> run)
    {
        TimeSpan? eta = null;
        return Terminal.Out.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new EtaColumn(() => eta), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("extracting", maxValue: 1);
                // The library reports from worker threads; Spectre's task is safe to update from any thread.
                var progress = new Reporter(p =>
                {
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    eta = p.Eta;
                    task.Description = $"{p.Done}/{p.Total} images, {p.ImagesPerSecond:F1}/s, {p.Errors} errors" +
                                       (p.Skipped > 0 ? $", {p.Skipped} skipped (done before)" : "");
                });
                return await run(progress);
            });
    }

    private sealed class Reporter(Action<ExtractionProgress> report) : IProgress<ExtractionProgress>
    {
        public void Report(ExtractionProgress value) => report(value);
    }

    /// <summary>A crop fraction given with a resize mode that has no crop is refused rather than ignored.</summary>
    private static double CropFraction(double? given, ResizeMode resize) => given switch
    {
        null => ImageOptions.DefaultCropFraction,
        _ when resize != ResizeMode.ShortSide =>
            throw new OnnxTransferException($"--crop-fraction applies to --resize short-side, not {OptionNames.Name(resize)}; leave it out, or use --resize short-side."),
        _ => given.Value,
    };
}
