namespace OnnxTransfer.Extractor.Runtime;

/// <summary>How to create an ONNX Runtime session.</summary>
public sealed class SessionSettings
{
    /// <summary>Default CPU.</summary>
    public DeviceSpec Device { get; init; } = DeviceSpec.Cpu;

    /// <summary>Intra-op threads for CPU kernels; 0 (default) means one per physical core (<see cref="CpuCores.Physical"/>).</summary>
    public int Threads { get; init; }
}
