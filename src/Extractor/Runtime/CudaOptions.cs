using System.Globalization;

namespace OnnxTransfer.Extractor.Runtime;

/// <summary>How cuDNN picks each convolution's algorithm (ONNX Runtime's cudnn_conv_algo_search).</summary>
public enum CudnnConvAlgoSearch
{
    /// <summary>Times every algorithm on the first run of each shape and keeps the fastest (ORT's default).</summary>
    Exhaustive,

    /// <summary>cuDNN's heuristics pick one without timing: a faster first run, maybe slower later ones.</summary>
    Heuristic,

    /// <summary>cuDNN's default algorithm, no search at all.</summary>
    Default,
}

/// <summary>How ONNX Runtime's GPU memory arena grows (ORT's arena_extend_strategy).</summary>
public enum ArenaExtendStrategy
{
    /// <summary>Each extension doubles the arena (ORT's default): few allocations, up to twice the memory needed.</summary>
    NextPowerOfTwo,

    /// <summary>Each extension is exactly what was asked for: tighter memory, more allocations while it warms up.</summary>
    SameAsRequested,
}

/// <summary>
/// Settings of ONNX Runtime's CUDA execution provider, used when a run is on CUDA. Every default is ONNX Runtime's
/// own: nothing here was measured on a GPU yet; bench/gpu/check.sh measures the alternatives.
/// The device id is the <see cref="DeviceSpec"/>'s (cuda:1).
/// </summary>
public sealed class CudaOptions
{
    /// <summary>Default <see cref="CudnnConvAlgoSearch.Exhaustive"/> (ORT's).</summary>
    public CudnnConvAlgoSearch ConvAlgoSearch { get; init; } = CudnnConvAlgoSearch.Exhaustive;

    /// <summary>Default <see cref="ArenaExtendStrategy.NextPowerOfTwo"/> (ORT's).</summary>
    public ArenaExtendStrategy ArenaExtendStrategy { get; init; } = ArenaExtendStrategy.NextPowerOfTwo;

    /// <summary>Upper bound on the GPU memory arena, in bytes; null (default) means no bound (ORT's SIZE_MAX).</summary>
    public long? GpuMemoryLimit { get; init; }

    /// <summary>
    /// Whether copies run on the compute stream (ORT's do_copy_in_default_stream). Default true (ORT's); ORT warns that
    /// false can race on some models.
    /// </summary>
    public bool CopyInDefaultStream { get; init; } = true;

    internal void Validate()
    {
        if (!Enum.IsDefined(ConvAlgoSearch)) throw new OnnxTransferException($"`ConvAlgoSearch` {(int)ConvAlgoSearch} is not a search; use exhaustive, heuristic or default.");
        if (!Enum.IsDefined(ArenaExtendStrategy)) throw new OnnxTransferException($"`ArenaExtendStrategy` {(int)ArenaExtendStrategy} is not a strategy; use next-power-of-two or same-as-requested.");
        if (GpuMemoryLimit is < 1) throw new OnnxTransferException($"`GpuMemoryLimit` {GpuMemoryLimit} must be positive bytes, or unset for no limit.");
    }

    /// <summary>The provider options, by ORT's names and in its spelling, for device <paramref name="deviceId"/>.</summary>
    internal Dictionary<string, string> ProviderOptions(int deviceId)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["device_id"] = deviceId.ToString(CultureInfo.InvariantCulture),
            ["cudnn_conv_algo_search"] = ConvAlgoSearch.ToString().ToUpperInvariant(),
            ["arena_extend_strategy"] = "k" + ArenaExtendStrategy,
            ["do_copy_in_default_stream"] = CopyInDefaultStream ? "1" : "0",
        };
        if (GpuMemoryLimit is long limit) options["gpu_mem_limit"] = limit.ToString(CultureInfo.InvariantCulture);
        return options;
    }
}
