namespace OnnxTransfer.Extractor.Runtime;

/// <summary>How to create an ONNX Runtime session.</summary>
internal sealed class SessionSettings
{
    /// <summary>Default CPU.</summary>
    public DeviceSpec Device { get; init; } = DeviceSpec.Cpu;

    /// <summary>The CUDA provider's settings, used on CUDA. Default ORT's own (<see cref="CudaOptions"/>).</summary>
    public CudaOptions Cuda { get; init; } = new();

    /// <summary>Intra-op threads for CPU kernels; 0 (default) means one per physical core (<see cref="CpuCores.Physical"/>).</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Whether ORT's intra-op threads spin while waiting for work (ORT's session.intra_op.allow_spinning).
    /// Default true, ORT's own default; turn it off when other busy threads share the cores.
    /// </summary>
    public bool AllowSpinning { get; init; } = true;

    /// <summary>
    /// Whether ORT plans each input shape's memory as one block after the shape's first run (ORT's
    /// SessionOptions.EnableMemoryPattern). Default true, ORT's own default. Off, the arena the first run
    /// grew is simply reused: the second run is as fast as the later ones instead of paying for a fresh
    /// block, and peak memory is lower (the cold-start table in BENCHMARKS.md measures both).
    /// </summary>
    public bool MemoryPattern { get; init; } = true;
}
