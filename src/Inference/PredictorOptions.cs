using OnnxTransfer.Extractor.Runtime;

namespace OnnxTransfer.Inference;

/// <summary>How a <see cref="Predictor"/> runs. Defaults suit a laptop CPU.</summary>
public sealed class PredictorOptions
{
    /// <summary>cpu (default), cuda[:id], or auto (CUDA when this build and machine have it, else CPU, saying why).</summary>
    public DeviceSpec Device { get; init; } = DeviceSpec.Cpu;

    /// <summary>The CUDA provider's settings, used on CUDA. Default ONNX Runtime's own (<see cref="CudaOptions"/>), as extraction's.</summary>
    public CudaOptions Cuda { get; init; } = new();

    /// <summary>ONNX Runtime intra-op threads; 0 (default) lets ONNX Runtime use every core.</summary>
    public int Threads { get; init; }

    /// <summary>Images per ONNX Runtime run when predicting many files. Default 32, as extraction's.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// Use this backbone file instead of the run directory's backbone.onnx. It must be the same
    /// model (by SHA-256) the head was trained on; any other is refused.
    /// </summary>
    public string? BackbonePath { get; init; }

    internal void Validate()
    {
        if (BatchSize < 1) throw new OnnxTransferException($"Batch size {BatchSize} must be at least 1.");
        if (Threads < 0) throw new OnnxTransferException($"Thread count {Threads} must be 0 (all cores) or more.");
    }
}
