using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using OnnxTransfer.Extractor.Augmentation;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Extractor.Runtime;
using OnnxTransfer.Features;
using OnnxTransfer.IO;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>
/// Extracts features of a truncated model (one whose ModelInfo lists Features) from an image folder
/// into a sharded Parquet dataset. Pipeline: idle-priority decoder threads fill a free preallocated input
/// tensor (two per session) -> channel to that tensor's session -> batched ONNX Runtime runs, one session
/// or several side by side -> rows handed on in turn -> bounded channel -> shard writer. Rows come out
/// in input order whatever the timing, and a rerun after an interruption finishes the job.
/// </summary>
public sealed class FeatureExtractor : IDisposable
{
    private readonly ExtractionOptions _options;
    private readonly ModelInfo _info;
    private readonly ModelSession[] _sessions;
    private readonly BatchRunner[] _runners;
    private readonly string _modelSha256;
    private readonly byte[] _modelBytes;

    /// <summary>Prepares to extract the features <paramref name="model"/> (truncated: its ModelInfo lists Features) outputs.</summary>
    /// <exception cref="OnnxTransferException">The model or the options cannot work, or the run would not fit in memory.</exception>
    public FeatureExtractor(OnnxModel model, ExtractionOptions options) : this(model.Proto, options) { }

    internal FeatureExtractor(ModelProto model, ExtractionOptions options)
    {
        options.Validate();
        _options = options;
        _info = ModelInfo.Read(model);
        if (_info.Features.Count == 0)
            throw new OnnxTransferException($"Model '{options.ModelName}' has no feature outputs; truncate it first (`GraphTruncator.Truncate`).");
        byte[] bytes = OnnxModelFile.ToBytes(model);
        _modelBytes = bytes;
        _modelSha256 = Hashing.Sha256(bytes);
        Image = new ImageOptions
        {
            Size = options.InputSize ?? _info.InputSize,
            Resize = options.Resize,
            Interpolation = options.Interpolation,
            CropFraction = options.CropFraction,
            MaxPixels = options.MaxPixels,
            MaxFileBytes = options.MaxFileBytes,
            JpegDecoder = options.JpegDecoder,
        };
        Image.Validate();
        int threads = CpuCores.ThreadsFor(options.Threads);
        // Thousands of ORT threads only thrash (and take minutes to start); more than a few per core is a mistake.
        int maxThreads = Math.Max(64, 4 * Environment.ProcessorCount);
        if (threads > maxThreads)
            throw new OnnxTransferException($"`Threads` {options.Threads} is more than {maxThreads} ({Environment.ProcessorCount} logical cores here); use 0 for one per physical core.");
        if (options.Sessions > threads)
            throw new OnnxTransferException($"`Sessions` {options.Sessions} needs at least one ORT thread per session, but " +
                (options.Threads > 0 ? $"`Threads` is {threads}; raise `Threads` or lower `Sessions`." : $"this machine's default is {threads} thread(s); lower `Sessions`."));
        if (Image.Size < KerasImporter.MinimumInputSize(_info.Arch))
            throw new OnnxTransferException($"`InputSize` {Image.Size} is too small for {_info.Arch}: Keras applications need at least {KerasImporter.MinimumInputSize(_info.Arch)} pixels (its own size is {_info.InputSize}).");
        // Before any session or buffer exists: a batch or input size the machine cannot hold is refused with the numbers.
        // Auto is estimated at the default it starts from; the trials below stay within what the host holds.
        int checkedBatch = options.BatchSize == ExtractionOptions.AutoBatchSize ? ExtractionOptions.DefaultBatchSize : options.BatchSize;
        var memory = WorkingMemory.Estimate(model, bytes.Length, Image.Size, checkedBatch, options.Sessions,
                                            _info.Features.Select(f => f.Output).ToList(), options.MaxRowGroupBytes);
        long memoryLimit = options.MemoryLimit ?? SystemMemory.AvailableBytes();
        memory.Check(memoryLimit, checkedBatch, Image.Size, options.Sessions);
        EstimatedMemoryBytes = memory.Total;
        // No spin-waiting in ORT's thread pool: a spinning worker burns the CPU time the decoders need,
        // and in a pipeline the next batch is always ready, so spinning saves ORT nothing (measured: the
        // same ORT-only speed, 7 % faster extraction of EfficientNetB0 on 2 cores).
        // No memory pattern either: it makes every session's second run allocate (and page-fault) a fresh
        // block the size of the whole working set, a second slow start for nothing, and raises peak memory.
        var settings = new SessionSettings { Device = options.Device, Cuda = options.Cuda, Threads = threads / options.Sessions, AllowSpinning = false, MemoryPattern = false };
        var sessions = new List<ModelSession>();
        var runners = new List<BatchRunner>();
        try
        {
            sessions.Add(SessionFactory.Create(bytes, settings));
            var first = sessions[0];
            if (options.Sessions > 1 && first.Device.Kind != DeviceKind.Cpu)
                throw new OnnxTransferException($"`Sessions` {options.Sessions} is for CPU inference, and this run uses {first.Device}; on a GPU use one session and a larger `BatchSize`.");
            if (!first.Session.InputMetadata.ContainsKey(ModelInfo.ImageInput))
                throw new OnnxTransferException(
                    $"Model '{options.ModelName}' has no '{ModelInfo.ImageInput}' input (it has {string.Join(", ", first.Session.InputMetadata.Keys)}); import or wrap it with onnx-transfer models first.");
            foreach (var f in _info.Features.Where(f => !first.Session.OutputMetadata.ContainsKey(f.Output)))
                throw new OnnxTransferException($"Model '{options.ModelName}' lists feature output '{f.Output}' for layer '{f.Layer}', but the graph has no such output; re-truncate the model.");
            while (sessions.Count < options.Sessions) sessions.Add(SessionFactory.Create(bytes, settings));
            long[] imageShape = [Image.Size, Image.Size, 3];
            // Feature sizes depend on the input size, so ask the graph.
            FeatureShapes = BatchRunner.ProbeOutputShapes(first, ModelInfo.ImageInput, imageShape, _info.Features.Select(f => f.Output).ToList());
            // Pooling a map smaller than the pool leaves nothing: rows of zero features would train nothing, silently.
            foreach (var (feature, shape) in _info.Features.Zip(FeatureShapes).Where(p => BatchRunner.Product(p.Second) == 0))
                throw new OnnxTransferException(
                    $"Layer '{feature.Layer}' has no features at `InputSize` {Image.Size} (shape [{string.Join(", ", shape)}]); use a larger `InputSize` (the model's own is {_info.InputSize}).");
            var outputs = _info.Features.Select(f => f.Output).ToList();
            (BatchSize, BatchSizeReason) = AutoBatch.Choose(options.BatchSize, first, memory.LargestBatch(memoryLimit, checkedBatch, first.Device.Kind == DeviceKind.Cpu),
                                                            n => new BatchRunner(first, ModelInfo.ImageInput, imageShape, outputs, FeatureShapes, n));
            if (BatchSize < options.Augmentation.Views + 1)
                throw new OnnxTransferException($"`BatchSize` auto found {BatchSize} ({BatchSizeReason}), too few for an image and its {options.Augmentation.Views} views; use fewer views.");
            // Two input tensors per session: the decoders fill one while ORT runs the other, with no copy in between.
            foreach (var session in sessions)
                runners.Add(new BatchRunner(session, ModelInfo.ImageInput, imageShape, outputs, FeatureShapes, BatchSize, inputBuffers: 2));
        }
        catch
        {
            foreach (var r in runners) r.Dispose();
            foreach (var session in sessions) session.Dispose();
            throw;
        }
        _sessions = [.. sessions];
        _runners = [.. runners];
        DecodeWorkers = options.DecodeWorkers > 0 ? options.DecodeWorkers : DecoderPool.DefaultWorkers(Device.Kind == DeviceKind.Cpu, OrtThreads);
    }

    /// <summary>Images per ONNX Runtime call: <see cref="ExtractionOptions.BatchSize"/>, or the one auto found.</summary>
    public int BatchSize { get; }

    /// <summary>Why that batch size: "requested", or what auto found (e.g. "auto: 1024 ran out of GPU memory").</summary>
    public string BatchSizeReason { get; } = "";

    /// <summary>The memory this extractor was estimated to need when it was created (<see cref="ExtractionOptions.MemoryLimit"/>).</summary>
    public long EstimatedMemoryBytes { get; }

    /// <summary>Raised with a one-line message for things the user should know (large output, empty class folder).</summary>
    public event Action<string>? Warning;

    /// <summary>The decoding settings used for every image.</summary>
    public ImageOptions Image { get; }

    /// <summary>The model's feature outputs, in column order.</summary>
    public IReadOnlyList<FeatureOutput> Features => _info.Features;

    /// <summary>Per-image shape of each feature output at this input size (NHWC without N, or [C] when pooled).</summary>
    public IReadOnlyList<long[]> FeatureShapes { get; }

    /// <summary>The device the model runs on, and why.</summary>
    public DeviceSpec Device => _sessions[0].Device;

    public string DeviceReason => _sessions[0].Reason;

    /// <summary>ONNX Runtime sessions running side by side (<see cref="ExtractionOptions.Sessions"/>).</summary>
    public int Sessions => _sessions.Length;

    /// <summary>ONNX Runtime's intra-op threads, all sessions together.</summary>
    public int OrtThreads => _sessions[0].Threads * _sessions.Length;

    /// <summary>Decoder threads (see <see cref="DecoderPriority"/>); the inference stage also decodes whatever a batch still lacks when it needs it.</summary>
    public int DecodeWorkers { get; }

    /// <summary>The decoder threads' CPU priority, e.g. "idle (SCHED_IDLE)", or "normal (why)".</summary>
    public static string DecoderPriority => IdlePriority.Description;

    /// <summary>One line naming the JPEG decoder in use and why.</summary>
    public string JpegDecoderDescription => JpegDecoders.Describe(Image.JpegDecoder);

    /// <summary>How to get the faster JPEG decoder (one short line), or null when it is in use or another was asked for.</summary>
    public string? JpegDecoderAdvice => JpegDecoders.Advice(Image.JpegDecoder);

    /// <summary>Scans <paramref name="input"/> (never reading <paramref name="outputDir"/> as input) and extracts it.</summary>
    public Task<ExtractionSummary> ExtractAsync(string input, string outputDir, IProgress<ExtractionProgress>? progress = null,
                                                CancellationToken ct = default) =>
        ExtractAsync(InputScanner.Scan(input, outputDir), outputDir, progress, ct);

    /// <summary>
    /// Extracts <paramref name="inputs"/> into <paramref name="outputDir"/>, continuing an earlier run into the same folder
    /// with the same settings. Cancelling <paramref name="ct"/> stops the run gracefully: what is finished is saved
    /// (the current shard as a piece), then <see cref="ExtractionCancelledException"/> says how far it got; the same
    /// call continues from there.
    /// </summary>
    public async Task<ExtractionSummary> ExtractAsync(InputSet inputs, string outputDir, IProgress<ExtractionProgress>? progress = null,
                                                      CancellationToken ct = default)
    {
        var task = _options.Shard;
        using var folderLock = task.Count == 1 ? FolderLock.Acquire(outputDir, "extract")
            : FolderLock.AcquireShared(outputDir, $"shard-{task.Index}-of-{task.Count}", $"extract shard {task}");
        var warnings = new List<string>(inputs.Warnings);
        int[] lengths = FeatureShapes.Select(s => checked((int)BatchRunner.Product(s))).ToArray();
        long rowBytes = lengths.Sum(n => 4L * n);
        int total = inputs.Items.Count, rowsPerImage = 1 + _options.Augmentation.Views;
        // Float32 bytes for either dtype, so a shard covers the same images whatever the precision.
        int perShard = (int)Math.Clamp(_options.MaxShardBytes / Math.Max(1, rowBytes * rowsPerImage), 1, _options.ImagesPerShard);
        // Parts small enough that every shard task has work (see ExtractionShard).
        if (task.Count > 1) perShard = Math.Min(perShard, Math.Max(1, (total + task.Count - 1) / task.Count));
        long storedRowBytes = _options.Dtype == FeatureDtype.Float16 ? rowBytes / 2 : rowBytes;
        long totalBytes = storedRowBytes * total * rowsPerImage;
        if (totalBytes > _options.WarnTotalBytes)
            warnings.Add($"features will take about {totalBytes / (1 << 20):N0} MiB ({storedRowBytes / 1024.0:N1} KiB per image); consider `Pool` avg");

        var plan = new ExtractionPlan(inputs.Items, perShard, _options.Augmentation);
        int shardCount = plan.Parts;
        var (firstPart, endPart) = FeatureSetManifest.PartsOf(task.Index, task.Count, shardCount);
        var manifest = ExtractionManifest.Open(outputDir, RunMetadata.Fingerprint(_modelSha256, _info, Image, inputs, perShard, _options.Dtype, task.Count, _options.Augmentation),
                                               RunMetadata.InputList(inputs), task, (firstPart, endPart), folderLock, _options.Overwrite, warnings);
        WriteIfChanged(Path.Combine(outputDir, FeatureFormat.ClassesFile), System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(inputs.Classes)));
        if (task.Count > 1 && firstPart == endPart)
            warnings.Add($"shard {task} has no images: {total} images make {shardCount} part file(s) for {task.Count} shards");

        var records = new ShardRecord?[shardCount];
        var pieces = new Dictionary<int, List<ExtractionManifest.PieceRecord>>();
        var starts = new Dictionary<int, int>(); // unfinished shard -> first image not yet saved
        for (int k = firstPart; k < endPart; k++)
        {
            if ((records[k] = manifest.Finished(k)) is not null) continue;
            int first = plan.Start(k), end = plan.End(k);
            var saved = manifest.Pieces(k, first, end);
            if (saved.Count > 0) pieces[k] = saved;
            starts[k] = saved.Count > 0 ? saved[^1].End : first;
        }
        foreach (var w in warnings) Warning?.Invoke(w);
        var owned = Enumerable.Range(firstPart, endPart - firstPart).ToList();
        int ownedImages = owned.Sum(plan.ImagesOf), ownedEntries = owned.Sum(k => plan.End(k) - plan.Start(k));
        // In entries (rows to compute), like the progress; the summary counts images.
        int skipped = owned.Sum(k => records[k] is not null ? plan.End(k) - plan.Start(k) : starts[k] - plan.Start(k));
        int earlierErrors = records.Sum(r => r?.Errors.Count ?? 0) + pieces.Values.Sum(list => list.Sum(p => p.Errors.Count));

        var tracker = new ProgressTracker(ownedEntries, skipped, earlierErrors, progress);
        var writer = new FeatureWriter(_info.Features.Select(f => f.Layer).ToList(), RunMetadata.ForShards(_options.ModelName, _modelSha256, _info, FeatureShapes, Image, _options.Augmentation),
                                      _options.Dtype, views: _options.Augmentation.Views > 0);
        // Rows travel to the writer a Parquet row group at a time, so writing overlaps inference and the
        // last shard's write is one row group, not a whole shard. Three buffers: filling, queued, writing.
        int groupRows = Math.Min(perShard, FeatureWriter.RowGroupRows(lengths.Sum(n => (long)n), _options.MaxRowGroupBytes));
        var sink = new ShardSink(writer, manifest, outputDir, lengths, groupRows, records, pieces, tracker);
        // An interrupted run may have saved every image of a shard in pieces without writing the shard itself.
        foreach (int k in starts.Keys.Where(k => starts[k] == plan.End(k)).ToList())
        {
            await sink.FinishFromPiecesAsync(k);
            starts.Remove(k);
        }

        var clock = Stopwatch.StartNew();
        var rates = new StageRates();
        // Two ways to stop: halt (the caller's cancellation, or a failure) ends the taking of new work, and whatever was
        // handed on is saved; abort (a failure) also stops the writer, since what it would save may be wrong.
        using var halt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var abort = new CancellationTokenSource();
        using var terminate = halt.Token.Register(() => { foreach (var r in _runners) r.Terminate(); });
        try
        {
            // Each session has two input buffers, and a batch is decoded straight into a free one, so it goes
            // to that buffer's session; the sessions take turns handing their rows on, in input order.
            var free = Channel.CreateUnbounded<Slot>();
            for (int b = 0; b < BuffersPerSession; b++)
                for (int r = 0; r < _runners.Length; r++) free.Writer.TryWrite(new Slot(r, b));
            var batches = _runners.Select(_ => Channel.CreateBounded<DecodedBatch>(BuffersPerSession)).ToArray();
            var chunks = Channel.CreateBounded<RowChunk>(1);
            var emptyRows = Channel.CreateUnbounded<ShardRows>();
            for (int i = 0; i < 3; i++) emptyRows.Writer.TryWrite(new ShardRows(lengths, groupRows));
            var assembler = new RowAssembler(lengths, emptyRows.Reader, chunks.Writer, tracker, _options.CheckpointInterval);
            var turns = new TurnOrder();
            // Disposed last (after the stages): skips images of a stopped run nobody has started yet.
            using var pool = new DecoderPool(DecodeWorkers, idlePriority: true);

            var inference = Enumerable.Range(0, _runners.Length)
                .Select(r => Guard(halt, abort, () => InferAsync(r, plan.Entries, batches[r].Reader, free.Writer, turns, assembler, rates, halt.Token, abort.Token)))
                .ToArray();
            Task[] tasks =
            [
                Guard(halt, abort, () => DecodeAsync(plan, starts, pool, free.Reader, batches.Select(c => c.Writer).ToArray(), rates, halt.Token)),
                .. inference,
                Guard(halt, abort, async () =>
                {
                    await Task.WhenAll(inference);
                    // A stopped run keeps what was handed on: the current shard so far becomes a piece.
                    if (halt.IsCancellationRequested) await assembler.FlushAsync(abort.Token);
                    chunks.Writer.Complete();
                }),
                Guard(halt, abort, () => sink.RunAsync(chunks.Reader, emptyRows.Writer, abort.Token)),
                // The exact truncated graph the features came from (its SHA-256 is in every shard's metadata),
                // so a head trained on them can later be chained to the same backbone, and nothing else. Written
                // beside the pipeline: for VGG19 that is 80 MB and an fsync, a tenth of a second of waiting.
                Guard(halt, abort, () => Task.Run(() => WriteIfChanged(Path.Combine(outputDir, FeatureFormat.BackboneFile), _modelBytes), abort.Token)),
            ];
            try { await Task.WhenAll(tasks); }
            catch
            {
                // Report the root cause, not the cancellations it triggered in the other stages.
                var failure = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault(e => e is not OperationCanceledException);
                if (failure != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
                throw;
            }
        }
        finally
        {
            // The sessions stay usable for the next call.
            foreach (var r in _runners) r.ClearTerminate();
        }
        clock.Stop();

        var allErrors = records.Where(r => r is not null).SelectMany(r => r!.Errors).ToList();
        if (ct.IsCancellationRequested)
        {
            int saved = owned.Sum(k => records[k] is not null ? plan.End(k) - plan.Start(k)
                : pieces.TryGetValue(k, out var list) ? list[^1].End - plan.Start(k) : 0);
            throw new ExtractionCancelledException(saved, ownedEntries, outputDir);
        }
        // errors.tsv is the whole set's: a shard task writes it when it finds every part finished (the last to finish
        // does; if two finish together, both write the same file).
        bool complete = task.Count == 1 || Enumerable.Range(0, shardCount).All(k => records[k] is not null || FeatureSetManifest.ReadRecord(outputDir, k) is not null);
        if (complete)
        {
            var setErrors = task.Count == 1 ? allErrors
                : Enumerable.Range(0, shardCount).SelectMany(k => (records[k] ?? FeatureSetManifest.ReadRecord(outputDir, k))!.Errors).ToList();
            AtomicFile.WriteAllText(Path.Combine(outputDir, FeatureFormat.ErrorsFile),
                Delimited.TsvLine("path", "reason") + string.Concat(setErrors.Select(e => Delimited.TsvLine(e[0], e[1])))
                + string.Concat(inputs.Unreadable.Select(u => Delimited.TsvLine(u.Path + "/", u.Reason))));
        }
        int processed = ownedEntries - skipped;
        var stages = rates.Summarize(DecodeWorkers, Sessions);
        var summary = new ExtractionSummary
        {
            ImagesIn = ownedImages,
            RowsWritten = owned.Sum(k => records[k]!.Rows),
            Errors = allErrors.Count,
            AugmentedRows = owned.Sum(k => records[k]!.Rows) - (ownedImages - allErrors.Count),
            UnreadableFolders = inputs.Unreadable.Count,
            ResumedImages = skipped,
            ProcessedImages = processed,
            Shards = owned.Count(k => records[k]!.Rows > 0),
            Shard = task.ToString(),
            FirstPart = firstPart,
            PartCount = endPart - firstPart,
            SetComplete = complete,
            Seconds = clock.Elapsed.TotalSeconds,
            ImagesPerSecond = processed / Math.Max(clock.Elapsed.TotalSeconds, 1e-9),
            DecodeSeconds = stages.DecodeSeconds,
            DecodeImagesPerSecond = stages.DecodeRate,
            ModelSeconds = stages.ModelSeconds,
            ModelImagesPerSecond = stages.ModelRate,
            Bottleneck = stages.Binds,
            BatchSize = BatchSize,
            BatchSizeReason = BatchSizeReason,
            Device = Device.ToString(),
            DeviceReason = DeviceReason,
            OrtThreads = OrtThreads,
            Sessions = Sessions,
            DecodeWorkers = DecodeWorkers,
            DecoderPriority = DecoderPriority,
            JpegDecoder = JpegDecoderDescription,
            Warnings = warnings,
            OutputDirectory = outputDir,
        };
        string summaryFile = task.Count == 1 ? FeatureFormat.SummaryFile : FeatureFormat.ShardSummaryFile(task.Index, task.Count);
        AtomicFile.WriteAllText(Path.Combine(outputDir, summaryFile), JsonSerializer.Serialize(summary, SummaryJson));
        return summary;
    }

    /// <summary>
    /// Writes a file every shard task writes alike (classes.json, backbone.onnx) unless it already holds those bytes, so
    /// the tasks do not rewrite (and fsync) the same 80 MB each; the write itself is atomic either way.
    /// </summary>
    private static void WriteIfChanged(string path, byte[] bytes)
    {
        if (File.Exists(path) && new FileInfo(path).Length == bytes.Length && Hashing.Sha256File(path) == Hashing.Sha256(bytes)) return;
        AtomicFile.WriteAllBytes(path, bytes);
    }

    private static readonly JsonSerializerOptions SummaryJson = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Input buffers per session: the decoders fill one while ORT runs the other.</summary>
    private const int BuffersPerSession = 2;

    /// <summary>Input buffer <paramref name="Buffer"/> of session <paramref name="Session"/>.</summary>
    private sealed record Slot(int Session, int Buffer);

    /// <summary>
    /// Batch number <paramref name="Sequence"/> of the run, being decoded into <paramref name="Slot"/>;
    /// <see cref="DecodeJob.Finish"/> before reading it.
    /// </summary>
    private sealed record DecodedBatch(long Sequence, int Shard, int First, int Count, Slot Slot, DecodeJob Job, string?[] Errors, bool LastInShard);


    /// <summary>
    /// Decodes the unfinished shards, each from its first unsaved entry (<paramref name="starts"/>), until done or halted.
    /// A batch holds whole images: an image's views are made from its one decode, in the same batch, so an image that
    /// fails fails with all its views (one error) and every checkpoint falls between images.
    /// </summary>
    private async Task DecodeAsync(ExtractionPlan plan, Dictionary<int, int> starts, DecoderPool pool, ChannelReader<Slot> free,
                                   ChannelWriter<DecodedBatch>[] sessions, StageRates rates, CancellationToken halt)
    {
        int len = Image.TensorLength;
        var entries = plan.Entries;
        var augmentation = _options.Augmentation;
        long sequence = 0;
        try
        {
            foreach (var (shard, start) in starts.OrderBy(s => s.Key))
            {
                int shardEnd = plan.End(shard);
                for (int first = start, end; first < shardEnd; first = end)
                {
                    // Validate keeps BatchSize at least an image's rows, so a batch always takes one image at least.
                    var images = new List<int> { 0 };
                    for (end = plan.NextImage(first); end < shardEnd && plan.NextImage(end) - first <= BatchSize; end = plan.NextImage(end))
                        images.Add(end - first);
                    int count = end - first;
                    var slot = await free.ReadAsync(halt);
                    float[] pixels = _runners[slot.Session].Inputs[slot.Buffer];
                    var errors = new string?[count];
                    int from = first;
                    var job = pool.Start(images.Count, j =>
                    {
                        long started = Stopwatch.GetTimestamp();
                        int at = images[j], views = (j + 1 < images.Count ? images[j + 1] : count) - at;
                        var item = entries[from + at].Item;
                        var image = pixels.AsSpan(at * len, len);
                        try
                        {
                            ImageLoader.LoadInto(item.FullPath, Image, image);
                            for (int v = 1; v < views; v++)
                                ViewTransform.Draw(augmentation, item.RelativePath, v, Image.Size).Apply(image, pixels.AsSpan((at + v) * len, len), Image.Size, augmentation.Fill);
                        }
                        catch (ImageLoadException e) { errors.AsSpan(at, views).Fill(e.Message); }
                        finally { rates.Decoded(started, views); }
                    });
                    await sessions[slot.Session].WriteAsync(new DecodedBatch(sequence++, shard, first, count, slot, job, errors, end == shardEnd), halt);
                }
            }
        }
        catch (OperationCanceledException) when (halt.IsCancellationRequested) { }
        foreach (var s in sessions) s.Complete();
    }

    /// <summary>
    /// Session <paramref name="session"/>'s stage: runs the batches decoded into its buffers and hands their rows on in
    /// turn. Halted, it stops at once: a batch not yet handed on is dropped (the next run redoes it).
    /// </summary>
    private async Task InferAsync(int session, IReadOnlyList<ExtractionEntry> all, ChannelReader<DecodedBatch> input, ChannelWriter<Slot> free,
                                  TurnOrder turns, RowAssembler assembler, StageRates rates, CancellationToken halt, CancellationToken abort)
    {
        int len = Image.TensorLength;
        var runner = _runners[session];
        var items = new List<RowKey>(BatchSize);
        var failed = new List<string[]>();
        try
        {
            await foreach (var batch in input.ReadAllAsync(halt))
            {
                items.Clear();
                failed.Clear();
                await Task.Run(() =>
                {
                    // ORT is idle until this batch is whole, so this thread decodes what the pool has not started.
                    batch.Job.Finish(halt);
                    // Move the images that decoded to the front of the buffer, in order.
                    var pixels = runner.Inputs[batch.Slot.Buffer];
                    for (int j = 0; j < batch.Count; j++)
                    {
                        var entry = all[batch.First + j];
                        if (batch.Errors[j] is { } reason)
                        {
                            // An image fails with all its views; it is one error.
                            if (entry.View == 0) failed.Add([entry.Item.RelativePath, reason]);
                            continue;
                        }
                        if (items.Count != j) pixels.AsSpan(j * len, len).CopyTo(pixels.AsSpan(items.Count * len, len));
                        items.Add(entry.Key);
                    }
                    if (items.Count > 0)
                    {
                        long started = Stopwatch.GetTimestamp();
                        runner.Run(items.Count, batch.Slot.Buffer);
                        rates.Ran(started, items.Count);
                    }
                }, halt);
                free.TryWrite(batch.Slot);
                // The outputs stay in this session's arrays until the batches before this one have been handed on.
                await turns.WaitAsync(batch.Sequence, halt);
                await assembler.AddAsync(batch.Shard, batch.First + batch.Count, batch.Count, items, runner.Outputs, failed, batch.LastInShard, abort);
                turns.Next();
            }
        }
        catch (OperationCanceledException) when (halt.IsCancellationRequested && !abort.IsCancellationRequested) { }
    }

    /// <summary>Runs a stage; its failure stops every other stage.</summary>
    private static async Task Guard(CancellationTokenSource halt, CancellationTokenSource abort, Func<Task> stage)
    {
        try { await stage(); }
        catch
        {
            await abort.CancelAsync();
            await halt.CancelAsync();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var r in _runners) r.Dispose();
        foreach (var session in _sessions) session.Dispose();
    }
}
