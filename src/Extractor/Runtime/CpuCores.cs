namespace OnnxTransfer.Extractor.Runtime;

/// <summary>The physical cores this process may use: the default ONNX Runtime thread count.</summary>
internal static class CpuCores
{
    /// <summary>Logical processors available to the process divided by hardware threads per core (SMT).</summary>
    public static int Physical { get; } = Detect();

    /// <summary>ONNX Runtime threads for a requested count: the count itself when positive, 0 meaning one per physical core.</summary>
    public static int ThreadsFor(int requested) => requested > 0 ? requested : Physical;

    private static int Detect()
    {
        // ONNX Runtime's own default (one thread per physical core) reads the topology through cpuinfo,
        // which sees a single core on some virtual machines (this project's 2-core CI machines among them)
        // and so leaves half the CPU idle; count here instead. Linux publishes the SMT siblings of each
        // core; elsewhere every logical processor counts as a core.
        int logical = Environment.ProcessorCount;
        try
        {
            string siblings = File.ReadAllText("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list");
            return Math.Max(1, logical / Math.Max(1, CountCpuList(siblings)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return logical;
        }
    }

    /// <summary>Counts the CPUs in a Linux cpu list such as "0-1", "0,8" or "3".</summary>
    internal static int CountCpuList(string list)
    {
        int count = 0;
        foreach (string part in list.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] range = part.Split('-');
            count += range.Length == 2 ? int.Parse(range[1], System.Globalization.CultureInfo.InvariantCulture) - int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture) + 1 : 1;
        }
        return count;
    }
}
