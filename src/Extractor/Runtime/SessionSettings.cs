namespace OnnxTransfer.Extractor.Runtime;

/// <summary>How to create an ONNX Runtime session.</summary>
public sealed class SessionSettings
{
    /// <summary>Default CPU.</summary>
    public DeviceSpec Device { get; init; } = DeviceSpec.Cpu;

    /// <summary>Intra-op threads for CPU kernels; 0 (default) means one per physical core (<see cref="CpuCores.Physical"/>).</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Whether ORT's intra-op threads spin while waiting for work (ORT's session.intra_op.allow_spinning).
    /// Default true, ORT's own default; turn it off when other busy threads share the cores.
    /// </summary>
    public bool AllowSpinning { get; init; } = true;
}
