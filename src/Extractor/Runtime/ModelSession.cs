using Microsoft.ML.OnnxRuntime;

namespace OnnxTransfer.Extractor.Runtime;

/// <summary>An ONNX Runtime session together with the device it actually runs on and why.</summary>
internal sealed class ModelSession : IDisposable
{
    internal ModelSession(InferenceSession session, DeviceSpec device, string reason, int threads)
    {
        Session = session;
        Device = device;
        Reason = reason;
        Threads = threads;
    }

    public InferenceSession Session { get; }

    /// <summary>The device chosen: cpu or cuda:&lt;id&gt;, never auto.</summary>
    public DeviceSpec Device { get; }

    /// <summary>Why this device: e.g. "requested", or why auto fell back to CPU.</summary>
    public string Reason { get; }

    /// <summary>ONNX Runtime's intra-op threads for CPU kernels (on CUDA, for the nodes it leaves to the CPU).</summary>
    public int Threads { get; }

    public void Dispose() => Session.Dispose();
}
