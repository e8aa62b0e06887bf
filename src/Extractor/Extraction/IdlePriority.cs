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

    private static readonly Lazy<(bool Lowered, string Description)> Probe = new(() =>
    {
        // Found out on a throwaway thread, because a lowered thread stays lowered.
        (bool, string) result = default;
        var thread = new Thread(() => result = LowerCurrentThread()) { IsBackground = true };
        thread.Start();
        thread.Join();
        return result;
    });

    /// <summary>What <see cref="LowerCurrentThread"/> achieves on this machine, e.g. "idle (SCHED_IDLE)".</summary>
    public static string Description => Probe.Value.Description;

    /// <summary>True when decoder threads actually run below normal priority here.</summary>
    public static bool Available => Probe.Value.Lowered;

    /// <summary>Lowers the calling thread; says whether it could and what it got, "normal (...why)" when it could not.</summary>
    public static (bool Lowered, string Description) LowerCurrentThread()
    {
        if (OperatingSystem.IsWindows())
        {
            Thread.CurrentThread.Priority = ThreadPriority.Lowest;
            return (true, "lowest (Windows thread priority)");
        }
        if (!OperatingSystem.IsLinux()) return (false, "normal (idle priority is implemented for Linux and Windows only)");
        try
        {
            var param = new SchedParam();
            return sched_setscheduler(0, SchedIdle, ref param) == 0
                ? (true, "idle (SCHED_IDLE)")
                : (false, $"normal (sched_setscheduler(SCHED_IDLE) failed with errno {Marshal.GetLastPInvokeError()})");
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return (false, $"normal (libc's sched_setscheduler not found: {e.Message})");
        }
    }
}
