using Microsoft.ML.OnnxRuntime;

namespace OnnxTransfer.Extractor.Runtime;

/// <summary>An ONNX Runtime session together with the device it actually runs on and why.</summary>
public sealed class ModelSession : IDisposable
{
    internal ModelSession(InferenceSession session, DeviceSpec device, string reason)
    {
        Session = session;
        Device = device;
        Reason = reason;
    }

    public InferenceSession Session { get; }

    /// <summary>The device chosen: cpu or cuda:&lt;id&gt;, never auto.</summary>
    public DeviceSpec Device { get; }

    /// <summary>Why this device: e.g. "requested", or why auto fell back to CPU.</summary>
    public string Reason { get; }

    public void Dispose() => Session.Dispose();
}
