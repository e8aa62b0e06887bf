using System.Diagnostics;

namespace OnnxTransfer.Bench.EndToEnd;

/// <summary>
/// Peak resident memory over a stretch of work. On Linux the kernel's high-water mark (VmHWM, what
/// Process.PeakWorkingSet64 reads) is reset by writing 5 to /proc/self/clear_refs, giving an exact
/// per-row peak; elsewhere a 10 ms sampler stands in.
/// </summary>
public sealed class PeakMemory : IDisposable
{
    private readonly bool _kernelPeak;
    private readonly Timer? _sampler;
    private long _sampled;

    private PeakMemory()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            _kernelPeak = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _sampler = new Timer(_ => Sample(), null, 0, 10);
        }
    }

    /// <summary>How the peak is measured, for the report.</summary>
    public string Method => _kernelPeak ? "kernel peak RSS (VmHWM, reset per row)" : "RSS sampled every 10 ms";

    /// <summary>Starts measuring from now (the process's current memory is the floor).</summary>
    public static PeakMemory Start() => new();

    /// <summary>Peak resident bytes since <see cref="Start"/>.</summary>
    public long PeakBytes()
    {
        using var self = Process.GetCurrentProcess();
        if (_kernelPeak) return self.PeakWorkingSet64;
        Sample();
        return Interlocked.Read(ref _sampled);
    }

    private void Sample()
    {
        using var self = Process.GetCurrentProcess();
        long now = self.WorkingSet64;
        long seen;
        while (now > (seen = Interlocked.Read(ref _sampled)) && Interlocked.CompareExchange(ref _sampled, now, seen) != seen) { }
    }

    public void Dispose() => _sampler?.Dispose();
}
