using System.Globalization;

namespace OnnxTransfer.Extractor.Runtime;

/// <summary>Which hardware runs the model.</summary>
public enum DeviceKind
{
    Cpu,
    Cuda,

    /// <summary>CUDA when this build and machine can run it, otherwise CPU (with the reason reported).</summary>
    Auto,
}

/// <summary>A parsed --device value: cpu, cuda, cuda:&lt;id&gt; or auto.</summary>
public sealed record DeviceSpec(DeviceKind Kind, int DeviceId = 0)
{
    public static DeviceSpec Cpu { get; } = new(DeviceKind.Cpu);

    /// <summary>Fails fast, before any model is loaded, when this build cannot run on this device (CUDA asked of the CPU build).</summary>
    public void CheckAvailable() => SessionFactory.CheckAvailable(this);

    public static DeviceSpec Parse(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return Cpu;
        if (t == "auto") return new DeviceSpec(DeviceKind.Auto);
        if (t == "cuda") return new DeviceSpec(DeviceKind.Cuda);
        if (t.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(t.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int id))
            return new DeviceSpec(DeviceKind.Cuda, id);
        throw new OnnxTransferException($"Unknown device '{text}'; use `Device` cpu, cuda, cuda:<id> (e.g. cuda:1) or auto.");
    }

    public override string ToString() => Kind switch
    {
        DeviceKind.Cpu => "cpu",
        DeviceKind.Auto => "auto",
        _ => $"cuda:{DeviceId}",
    };
}
