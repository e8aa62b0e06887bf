using System.Globalization;

namespace OnnxTransfer.Cli;

/// <summary>Sizes on the command line: a number of bytes with an optional unit (KB, MB, GB: powers of 1000; KiB, MiB, GiB: of 1024).</summary>
internal static class ByteSize
{
    private static readonly (string Unit, long Factor)[] Units =
    [
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("KB", 1000), ("MB", 1000_000), ("GB", 1000_000_000), ("B", 1),
    ];

    public static long Parse(string text, string option)
    {
        string t = text.Trim();
        var (unit, factor) = Units.FirstOrDefault(u => t.EndsWith(u.Unit, StringComparison.OrdinalIgnoreCase), ("", 1));
        string number = t[..^unit.Length].Trim();
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) && value >= 1 &&
            value * factor <= long.MaxValue)
            return (long)(value * factor);
        throw new OnnxTransferException($"{option} '{text}' is not a size; write e.g. 256MB, 1.5GB or 4096 (bytes).");
    }

    public static string Format(long bytes) =>
        bytes % (1L << 20) == 0 ? $"{bytes >> 20}MiB" : bytes.ToString(CultureInfo.InvariantCulture);
}
