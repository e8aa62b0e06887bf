using System.Globalization;

namespace OnnxTransfer.Extractor.Runtime;

/// <summary>Memory this process can still use: the machine's available memory, lowered by a container's (cgroup v2) limit.</summary>
internal static class SystemMemory
{
    /// <summary>
    /// Linux: MemAvailable of /proc/meminfo (free memory plus what the kernel can reclaim), and at most what the
    /// cgroup's memory.max leaves above memory.current. Elsewhere: the GC's view of the memory the process may use.
    /// </summary>
    public static long AvailableBytes()
    {
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (!OperatingSystem.IsLinux()) return available;
        if (ReadKb("/proc/meminfo", "MemAvailable:") is long kb) available = kb * 1024;
        if (ReadLong("/sys/fs/cgroup/memory.max") is long max && ReadLong("/sys/fs/cgroup/memory.current") is long current)
            available = Math.Min(available, Math.Max(0, max - current));
        return available;
    }

    private static long? ReadKb(string file, string key)
    {
        try
        {
            string? line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
            return line is null ? null : long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return null; }
    }

    // "max" (no limit) and a missing file (no cgroup v2) both read as null.
    private static long? ReadLong(string file)
    {
        try { return long.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
