using System.Runtime.InteropServices;
using OnnxTransfer.Extractor.Runtime;

namespace OnnxTransfer.Bench.EndToEnd;

/// <summary>What the figures were measured on.</summary>
public static class MachineInfo
{
    public static IEnumerable<(string Key, string Value)> Describe()
    {
        yield return ("CPU", CpuModel());
        yield return ("Logical cores", Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return ("Memory", MemTotal());
        yield return ("OS", RuntimeInformation.OSDescription);
        yield return (".NET", RuntimeInformation.FrameworkDescription);
        yield return ("ONNX Runtime", $"{SessionFactory.OrtVersion} ({(SessionFactory.IsGpuBuild ? "GPU build" : "CPU package")})");
        yield return ("SkiaSharp", typeof(SkiaSharp.SKCodec).Assembly.GetName().Version?.ToString() ?? "?");
    }

    /// <summary>The 1/5/15-minute load average (Linux), showing how busy the machine was.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string CpuModel()
    {
        if (!File.Exists("/proc/cpuinfo")) return RuntimeInformation.ProcessArchitecture.ToString();
        var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static string MemTotal()
    {
        if (!File.Exists("/proc/meminfo")) return $"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 20)} MiB available to .NET";
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        long kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        return $"{kb / 1024.0 / 1024.0:F1} GiB";
    }
}
