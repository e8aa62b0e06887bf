using System.Collections.Concurrent;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Extractor.Runtime;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Inference;

/// <summary>
/// Classifies images with a backbone and a trained head. Build it from a training run directory
/// (backbone, then head: two ONNX Runtime sessions) or from a file made by
/// <see cref="ChainExporter"/> (one session). Thread-safe: concurrent calls each get their own buffers.
/// </summary>
public sealed class Predictor : IDisposable
{
    private readonly ModelSession _imageSession;
    private readonly ModelSession? _headSession;
    private readonly string _imageOutput;
    private readonly long[] _imageOutputShape;
    private readonly long[]? _headOutputShape;
    private readonly PredictorOptions _options;
    private readonly ConcurrentBag<ClassifierRunner> _pool = [];
    // Set for a classifier exported for raw photos: each decoded photo is one run at its own size.
    private readonly PhotoRunner? _photos;

    private Predictor(ModelSession imageSession, string imageOutput, ModelSession? headSession,
                      IReadOnlyList<string> classes, ImageOptions image, ModelInfo backbone, PredictorOptions options, bool rawPhotos = false)
    {
        _imageSession = imageSession;
        _headSession = headSession;
        _imageOutput = imageOutput;
        _options = options;
        Classes = classes;
        Image = image;
        Backbone = backbone;
        long outputs;
        if (rawPhotos)
        {
            _photos = new PhotoRunner(imageSession, ModelInfo.ImageInput, imageOutput);
            _imageOutputShape = [classes.Count];
            outputs = _photos.Run(new byte[image.TensorLength], image.Size, image.Size).Length;
        }
        else
        {
            long[] itemShape = [image.Size, image.Size, 3];
            _imageOutputShape = BatchRunner.ProbeOutputShapes(imageSession, ModelInfo.ImageInput, itemShape, [imageOutput])[0];
            if (headSession is not null)
                _headOutputShape = BatchRunner.ProbeOutputShapes(headSession, ChainExporter.HeadInput, [BatchRunner.Product(_imageOutputShape)], [ChainExporter.HeadOutput])[0];
            outputs = BatchRunner.Product(_headOutputShape ?? _imageOutputShape);
        }
        if (outputs != classes.Count)
            throw new OnnxTransferException($"The classifier outputs {outputs} probabilities but names {classes.Count} classes; re-export or re-train it.");
    }

    /// <summary>Class names in probability order.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>How images are decoded and resized: the same settings the training features used.</summary>
    public ImageOptions Image { get; }

    /// <summary>What the backbone is: architecture, weights (random weights are flagged), preprocessing.</summary>
    public ModelInfo Backbone { get; }

    /// <summary>The device the models run on (never auto) and why.</summary>
    public DeviceSpec Device => _imageSession.Device;

    public string DeviceReason => _imageSession.Reason;

    /// <summary>Opens a training run directory, or else a single-file classifier made by <c>onnx-transfer export</c>.</summary>
    public static Predictor Open(string path, PredictorOptions? options = null) =>
        Directory.Exists(path) ? FromRunDirectory(path, options) : FromExportedModel(path, options);

    /// <summary>
    /// Loads a training run: its backbone (checked by hash against the training features, or the
    /// <see cref="PredictorOptions.BackbonePath"/> override) feeding its head.
    /// </summary>
    public static Predictor FromRunDirectory(string runDirectory, PredictorOptions? options = null)
    {
        options ??= new PredictorOptions();
        var run = RunDirectory.Open(runDirectory);
        return FromModels(run.LoadBackbone(options.BackbonePath), run.LoadHead(), run.Sidecar.FeatureLayer, run.Sidecar.Classes, run.Image, options);
    }

    /// <summary>Loads a single-file classifier written by <c>onnx-transfer export</c>.</summary>
    public static Predictor FromExportedModel(string path, PredictorOptions? options = null)
    {
        options ??= new PredictorOptions();
        options.Validate();
        var model = OnnxModelFile.Load(path);
        var info = ModelInfo.Read(model);
        if (info.Classes.Count == 0 || model.Graph.Output.All(o => o.Name != ChainExporter.HeadOutput))
            throw new OnnxTransferException(
                $"'{path}' is not a classifier exported by onnx-transfer (no class names or '{ChainExporter.HeadOutput}' output); " +
                "for a training run directory pass the directory instead.");
        var session = SessionFactory.Create(OnnxModelFile.ToBytes(model), Settings(options));
        return Guard(session, null, () => new Predictor(session, ChainExporter.HeadOutput, null, info.Classes, ImageSettings.From(info), info, options, info.TakesRawPhotos));
    }

    /// <summary>
    /// Chains a truncated backbone and a head (features [N,D] -> probabilities [N,K]) without
    /// merging them: the backbone's <paramref name="featureLayer"/> output feeds the head.
    /// </summary>
    public static Predictor FromModels(OnnxModel backbone, OnnxModel head, string featureLayer, IReadOnlyList<string> classes,
                                       ImageOptions image, PredictorOptions? options = null) =>
        FromModels(backbone.Proto, head.Proto, featureLayer, classes, image, options);

    internal static Predictor FromModels(ModelProto backbone, ModelProto head, string featureLayer, IReadOnlyList<string> classes,
                                       ImageOptions image, PredictorOptions? options = null)
    {
        options ??= new PredictorOptions();
        options.Validate();
        var info = ModelInfo.Read(backbone);
        var feature = info.Features.FirstOrDefault(f => f.Layer == featureLayer)
            ?? throw new OnnxTransferException($"The backbone has no feature output for layer '{featureLayer}'; use the backbone.onnx the features were extracted with.");
        var settings = Settings(options);
        var imageSession = SessionFactory.Create(OnnxModelFile.ToBytes(backbone), settings);
        ModelSession? headSession = null;
        return Guard(imageSession, () => headSession, () =>
        {
            // The head is a few dense layers: CPU always, so no GPU round-trip per batch for it, and one thread that does not
            // spin: a thread pool of its own spinning after each small run took CPU time from the decoders.
            headSession = SessionFactory.Create(OnnxModelFile.ToBytes(head), new SessionSettings { Threads = 1, AllowSpinning = false });
            return new Predictor(imageSession, feature.Output, headSession, classes, image, info, options);
        });
    }

    /// <summary>True for a classifier exported for raw photos, which <see cref="PredictImages"/> cannot feed.</summary>
    public bool TakesRawPhotos => _photos is not null;

    /// <summary>Probabilities for images already decoded and resized: count x HWC RGB 0-255; returns count x classes.</summary>
    /// <exception cref="OnnxTransferException">The classifier was exported for raw photos (<see cref="TakesRawPhotos"/>): it resizes itself, so pass files.</exception>
    public float[] PredictImages(ReadOnlySpan<float> images, int count)
    {
        if (_photos is not null)
            throw new OnnxTransferException("This classifier was exported for raw photos (`Input` raw) and resizes them itself; classify files with Predict or PredictFiles, or export it with `Input` fixed to pass resized pixels.");
        int pixels = Image.TensorLength;
        if (images.Length != count * pixels)
            throw new ArgumentException($"Expected {count} images of {Image.Size}x{Image.Size}x3 ({count * pixels} values), got {images.Length}.");
        var result = new float[count * Classes.Count];
        var runner = Rent();
        try
        {
            for (int start = 0; start < count; start += runner.BatchSize)
            {
                int n = Math.Min(runner.BatchSize, count - start);
                images.Slice(start * pixels, n * pixels).CopyTo(runner.Input);
                runner.Run(n).CopyTo(result.AsSpan(start * Classes.Count));
            }
        }
        finally { _pool.Add(runner); }
        return result;
    }

    /// <summary>Classifies one image file; an unreadable file is an <see cref="OnnxTransferException"/> naming it.</summary>
    public Prediction Predict(string path)
    {
        if (_photos is not null) return new Prediction(path, RunPhoto(Decode(path)), Classes);
        var pixels = new float[Image.TensorLength];
        try { ImageLoader.LoadInto(path, Image, pixels); }
        catch (ImageLoadException e) { throw new OnnxTransferException($"Cannot read image '{path}': {e.Message}", e); }
        return new Prediction(path, PredictImages(pixels, 1), Classes);
    }

    /// <summary>
    /// Classifies files in batches, streaming results in input order, with the extraction pipeline: idle-priority
    /// decoders fill one input buffer while ONNX Runtime runs the other. Unreadable files come back with their reason
    /// instead of a prediction; they never stop the run.
    /// </summary>
    public IEnumerable<PredictionResult> PredictFiles(IEnumerable<string> paths, CancellationToken cancellation = default)
    {
        if (_photos is not null)
        {
            foreach (var chunk in paths.Chunk(_options.BatchSize))
                foreach (var result in PredictPhotos(chunk, cancellation)) yield return result;
            yield break;
        }
        var list = paths as IReadOnlyList<string> ?? [.. paths];
        var runner = Rent();
        try
        {
            using var pool = new DecoderPool(DecoderPool.DefaultWorkers(Device.Kind == DeviceKind.Cpu, _imageSession.Threads), idlePriority: true);
            foreach (var batch in PhotoBatches.Decode(list, Image, runner.BatchSize, runner.Inputs, pool, cancellation))
                foreach (var result in Results(list, batch, runner)) yield return result;
        }
        finally { _pool.Add(runner); }
    }

    // The batch's probabilities, copied out before the runner's next run overwrites them.
    private PredictionResult[] Results(IReadOnlyList<string> paths, PhotoBatch batch, ClassifierRunner runner)
    {
        var probabilities = batch.Decoded > 0 ? runner.Run(batch.Decoded, batch.Buffer) : default;
        int k = Classes.Count, row = 0;
        var results = new PredictionResult[batch.Count];
        for (int j = 0; j < batch.Count; j++)
        {
            string path = paths[batch.First + j];
            results[j] = batch.Errors[j] is { } error
                ? new PredictionResult(path, null, error)
                : new PredictionResult(path, new Prediction(path, probabilities.Slice(row++ * k, k).ToArray(), Classes), null);
        }
        return results;
    }

    private DecodedPhoto Decode(string path)
    {
        try { return ImageLoader.DecodePhoto(path, Image); }
        catch (ImageLoadException e) { throw new OnnxTransferException($"Cannot read image '{path}': {e.Message}", e); }
    }

    private float[] RunPhoto(DecodedPhoto photo) => _photos!.Run(photo.Rgb, photo.Width, photo.Height);

    // Photos of different sizes cannot share a batch: decoded in parallel, then run one by one.
    private PredictionResult[] PredictPhotos(string[] chunk, CancellationToken cancellation)
    {
        var results = new PredictionResult[chunk.Length];
        var photos = new DecodedPhoto?[chunk.Length];
        var parallel = new ParallelOptions { CancellationToken = cancellation, MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.For(0, chunk.Length, parallel, i =>
        {
            try { photos[i] = ImageLoader.DecodePhoto(chunk[i], Image); }
            catch (ImageLoadException e) { results[i] = new PredictionResult(chunk[i], null, e.Message); }
        });
        for (int i = 0; i < chunk.Length; i++)
            if (photos[i] is { } photo) results[i] = new PredictionResult(chunk[i], new Prediction(chunk[i], RunPhoto(photo), Classes), null);
        return results;
    }

    private ClassifierRunner Rent()
    {
        if (_pool.TryTake(out var runner)) return runner;
        int batch = _options.BatchSize;
        var image = new BatchRunner(_imageSession, ModelInfo.ImageInput, [Image.Size, Image.Size, 3], [_imageOutput], [_imageOutputShape], batch, inputBuffers: 2);
        var head = _headSession is null ? null
            : new BatchRunner(_headSession, ChainExporter.HeadInput, [BatchRunner.Product(_imageOutputShape)], [ChainExporter.HeadOutput], [_headOutputShape!], batch);
        return new ClassifierRunner(image, head);
    }

    // As extraction runs its sessions: no spinning (the decoders need the CPU time) and no memory pattern (a slow second run).
    private static SessionSettings Settings(PredictorOptions o) => new() { Device = o.Device, Cuda = o.Cuda, Threads = o.Threads, AllowSpinning = false, MemoryPattern = false };

    // Sessions are native handles: if building the predictor fails after creating them, free them.
    private static Predictor Guard(ModelSession first, Func<ModelSession?>? second, Func<Predictor> build)
    {
        try { return build(); }
        catch
        {
            first.Dispose();
            second?.Invoke()?.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        while (_pool.TryTake(out var runner)) runner.Dispose();
        _imageSession.Dispose();
        _headSession?.Dispose();
    }
}
