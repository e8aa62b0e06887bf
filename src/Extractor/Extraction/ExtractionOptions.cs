using OnnxTransfer.Extractor.Augmentation;
using OnnxTransfer.Features;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Extractor.Runtime;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>Settings of a feature extraction run. Every default is stated; all are recorded in the output.</summary>
public sealed class ExtractionOptions
{
    /// <summary>Name recorded for the model in the Parquet metadata (e.g. "mobilenet" or a file name). Default "model".</summary>
    public string ModelName { get; init; } = "model";

    /// <summary>Square input side; null (default) uses the model's input_size (224 for the built-in models).</summary>
    public int? InputSize { get; init; }

    /// <summary>Default <see cref="ResizeMode.Stretch"/>.</summary>
    public ResizeMode Resize { get; init; } = ResizeMode.Stretch;

    /// <summary>Default <see cref="Interpolation.Bilinear"/>.</summary>
    public Interpolation Interpolation { get; init; } = Interpolation.Bilinear;

    /// <summary><see cref="ResizeMode.ShortSide"/>'s crop fraction (<see cref="ImageOptions.CropFraction"/>). Default 0.875.</summary>
    public double CropFraction { get; init; } = ImageOptions.DefaultCropFraction;

    /// <summary>
    /// Images per ONNX Runtime call. Default 32 (<see cref="DefaultBatchSize"/>). <see cref="AutoBatchSize"/> (0): on CUDA,
    /// the largest power of two from 32 up to <see cref="MaxAutoBatchSize"/> that runs without running out of GPU memory,
    /// found by trial runs when the extractor is created (<see cref="FeatureExtractor.BatchSize"/> says which and why);
    /// on CPU, 32, since a larger batch runs no faster there.
    /// </summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>The default <see cref="BatchSize"/>, 32.</summary>
    public const int DefaultBatchSize = 32;

    /// <summary>The <see cref="BatchSize"/> that asks for the largest that fits on the GPU, 0.</summary>
    public const int AutoBatchSize = 0;

    /// <summary>The largest batch <see cref="AutoBatchSize"/> tries, 1024: beyond it a GPU is as busy, and the host buffers grow.</summary>
    public const int MaxAutoBatchSize = 1024;

    /// <summary>ONNX Runtime intra-op threads; 0 (default) means one per physical core.</summary>
    public int Threads { get; init; }

    /// <summary>
    /// ONNX Runtime sessions running side by side on different batches, on CPU; <see cref="Threads"/> is split
    /// among them (at least one each). Default 1. Several single-threaded sessions waste none of the time a
    /// multi-threaded one spends synchronising its threads inside each kernel: on 2 cores, 2 sessions of 1
    /// thread extracted EfficientNetB0 and MobileNet features a few per cent faster than 1 session of 2 threads
    /// (4 to 11 % across runs; BENCHMARKS.md); VGG19, whose kernels already keep every thread busy, gains nothing. Each session holds
    /// its own copy of the weights and its own ONNX Runtime memory arena. Not for CUDA, where one session
    /// keeps the GPU busy.
    /// </summary>
    public int Sessions { get; init; } = 1;

    /// <summary>
    /// Decoder threads. 0 (default) means one per logical core when they can run at idle priority (Linux,
    /// Windows), since they then only use CPU time ONNX Runtime leaves idle; otherwise, on CPU, the cores
    /// ORT's threads leave free (at least one), and on a GPU every core.
    /// </summary>
    public int DecodeWorkers { get; init; }

    /// <summary>Which library decodes JPEGs. Default <see cref="JpegDecoder.Auto"/> (the system's libjpeg-turbo when installed).</summary>
    public JpegDecoder JpegDecoder { get; init; } = JpegDecoder.Auto;

    /// <summary>Default CPU.</summary>
    public DeviceSpec Device { get; init; } = DeviceSpec.Cpu;

    /// <summary>The CUDA provider's settings, used on CUDA. Default ORT's own (<see cref="CudaOptions"/>).</summary>
    public CudaOptions Cuda { get; init; } = new();

    /// <summary>
    /// Input images per shard file (part-NNNNN.parquet). Default 1024; lowered automatically so one
    /// shard's features stay under <see cref="MaxShardBytes"/>. Shard k always covers the same input
    /// images, which is what makes runs resumable and deterministic.
    /// </summary>
    public int ImagesPerShard { get; init; } = 1024;

    /// <summary>
    /// Upper bound on one shard file's feature bytes. Default 128 MiB. Memory does not grow with it: rows go
    /// to the file a Parquet row group at a time (see <see cref="MaxRowGroupBytes"/>).
    /// </summary>
    public long MaxShardBytes { get; init; } = 128L << 20;

    /// <summary>
    /// Upper bound on the feature bytes of one Parquet row group (at least one row). Default 4 MiB
    /// (<see cref="FeatureWriter.DefaultRowGroupBytes"/> says why). The run holds three row groups of rows in
    /// memory (filling, queued, being written), and readers read a row group at once.
    /// </summary>
    public long MaxRowGroupBytes { get; init; } = FeatureWriter.DefaultRowGroupBytes;

    /// <summary>
    /// How often a shard being written is saved as a piece, so that a run killed outright (kill -9, power loss) loses
    /// at most this much work besides the batches in flight; a stopped run (Ctrl-C) saves everything handed on at once.
    /// Default 30 s. Each save closes one Parquet file and fsyncs it; the finished shard is the same bytes either way.
    /// </summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The precision features are stored in. Default <see cref="FeatureDtype.Float32"/>, what the model computes.
    /// <see cref="FeatureDtype.Float16"/> rounds each value to the nearest float16 (about 3 significant digits) for shards
    /// about half the size, and refuses a finite value beyond float16's range (±65504) rather than store it as infinity;
    /// readers still get float32. Shards cover the same images either way (<see cref="MaxShardBytes"/> counts float32
    /// bytes), and a rerun into a folder extracted with another dtype is refused unless <see cref="Overwrite"/>.
    /// </summary>
    public FeatureDtype Dtype { get; init; } = FeatureDtype.Float32;

    /// <summary>
    /// The share of the input this process extracts (<see cref="ExtractionShard"/> says which parts). Default
    /// <see cref="ExtractionShard.Whole"/>. The tasks of one extraction write into one folder, each resumable on its
    /// own; the folder's manifest records the shard count, so a task started with another count (or other settings) is
    /// refused, and readers refuse the set until every task has finished (unless <c>AllowPartial</c>).
    /// </summary>
    public ExtractionShard Shard { get; init; } = ExtractionShard.Whole;

    /// <summary>
    /// Augmented views of each training image, extracted beside it (<see cref="AugmentationOptions"/>). Default
    /// <see cref="AugmentationOptions.None"/>. A part file holds the same images either way, with each image's views
    /// after it; <see cref="BatchSize"/> must hold an image and its views.
    /// </summary>
    public AugmentationOptions Augmentation { get; init; } = AugmentationOptions.None;

    /// <summary>Warn when the whole feature set will exceed this many bytes. Default 4 GiB.</summary>
    public long WarnTotalBytes { get; init; } = 4L << 30;

    /// <summary>Refuse images declaring more pixels than this. Default <see cref="ImageOptions.DefaultMaxPixels"/>.</summary>
    public long MaxPixels { get; init; } = ImageOptions.DefaultMaxPixels;

    /// <summary>Refuse image files larger than this many bytes, before reading them. Default <see cref="ImageOptions.DefaultMaxFileBytes"/>.</summary>
    public long MaxFileBytes { get; init; } = ImageOptions.DefaultMaxFileBytes;

    /// <summary>
    /// The memory the run may use; an estimate above it is refused before anything large is allocated. Default null:
    /// the memory available when the extractor is created (<see cref="SystemMemory.AvailableBytes"/>).
    /// </summary>
    public long? MemoryLimit { get; init; }

    /// <summary>
    /// When false (default), an output folder holding a run with different settings is an error;
    /// when true, that folder's previous results are deleted first.
    /// </summary>
    public bool Overwrite { get; init; }

    internal void Validate()
    {
        if (BatchSize < 0) throw new OnnxTransferException($"`BatchSize` {BatchSize} must be at least 1, or 0 (auto).");
        if (Threads < 0) throw new OnnxTransferException($"`Threads` {Threads} must be 0 (automatic) or more.");
        if (Sessions < 1) throw new OnnxTransferException($"`Sessions` {Sessions} must be at least 1.");
        if (DecodeWorkers < 0) throw new OnnxTransferException($"Decode workers {DecodeWorkers} must be 0 (automatic) or more.");
        if (MaxRowGroupBytes < 1) throw new OnnxTransferException($"Max row group bytes {MaxRowGroupBytes} must be at least 1.");
        if (ImagesPerShard < 1) throw new OnnxTransferException($"Images per shard {ImagesPerShard} must be at least 1.");
        if (InputSize is < 1 or > 8192) throw new OnnxTransferException($"`InputSize` {InputSize} must be between 1 and 8192.");
        if (CheckpointInterval <= TimeSpan.Zero) throw new OnnxTransferException("`CheckpointInterval` must be positive.");
        Augmentation.Validate();
        if (BatchSize != AutoBatchSize && BatchSize < Augmentation.Views + 1)
            throw new OnnxTransferException($"`BatchSize` {BatchSize} cannot hold an image and its {Augmentation.Views} views; use at least {Augmentation.Views + 1}.");
        Cuda.Validate();
        if (!Enum.IsDefined(Dtype)) throw new OnnxTransferException($"`Dtype` {(int)Dtype} is not a dtype; use float32 or float16.");
    }
}
