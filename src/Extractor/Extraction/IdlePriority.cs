using System.Runtime.InteropServices;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>
/// Lowers a thread to the priority that only takes CPU time no other thread wants: SCHED_IDLE on
/// Linux, the lowest thread priority on Windows. Neither can be undone by an unprivileged process,
/// so only threads made for the purpose (<see cref="DecoderPool"/>'s) are lowered.
/// </summary>
internal static partial class IdlePriority
{
    private const int SchedIdle = 5; // linux/sched.h

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedParam
    {
        public int Priority;
    }

    // pid 0 is the calling thread: Linux schedules threads, not processes.
    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setscheduler(int pid, int policy, ref SchedParam param);

    private static readonly Lazy<string> Probe = new(() =>
    {
        // Found out on a throwaway thread, because a lowered thread stays lowered.
        string result = "";
        var thread = new Thread(() => result = LowerCurrentThread()) { IsBackground = true };
        thread.Start();
        thread.Join();
        return result;
    });

    /// <summary>What <see cref="LowerCurrentThread"/> achieves on this machine, e.g. "idle (SCHED_IDLE)".</summary>
    public static string Description => Probe.Value;

    /// <summary>True when decoder threads actually run below normal priority here.</summary>
    public static bool Available => !Description.StartsWith("normal", StringComparison.Ordinal);

    /// <summary>Lowers the calling thread; returns what it got, "normal (...why)" when it could not.</summary>
    public static string LowerCurrentThread()
    {
        if (OperatingSystem.IsWindows())
        {
            Thread.CurrentThread.Priority = ThreadPriority.Lowest;
            return "lowest (Windows thread priority)";
        }
        if (!OperatingSystem.IsLinux()) return "normal (idle priority is implemented for Linux and Windows only)";
        try
        {
            var param = new SchedParam();
            return sched_setscheduler(0, SchedIdle, ref param) == 0
                ? "idle (SCHED_IDLE)"
                : $"normal (sched_setscheduler(SCHED_IDLE) failed with errno {Marshal.GetLastPInvokeError()})";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return $"normal (libc's sched_setscheduler not found: {e.Message})";
        }
    }
}
