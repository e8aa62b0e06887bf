using System.Diagnostics;

namespace OnnxTransfer.MlNetPeer;

/// <summary>
/// Wall time, CPU time and peak resident memory of one phase. The kernel's high-water mark (VmHWM) is reset by
/// writing 5 to /proc/self/clear_refs, as the bench's PeakMemory does for its own rows, so each phase's peak is its own.
/// </summary>
public sealed class PhaseMeter
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeSpan _cpu = CpuTime();
    private readonly bool _reset;

    private PhaseMeter(bool reset) => _reset = reset;

    public static PhaseMeter Start()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return new PhaseMeter(reset: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new PhaseMeter(reset: false);
        }
    }

    public double Seconds => _clock.Elapsed.TotalSeconds;

    public double CpuSeconds => (CpuTime() - _cpu).TotalSeconds;

    /// <summary>Peak resident bytes since <see cref="Start"/>; -1 where the kernel's mark cannot be reset (not Linux), so no figure is passed off as this phase's.</summary>
    public long PeakRssBytes()
    {
        if (!_reset) return -1;
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }

    private static TimeSpan CpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }
}
