using System.Globalization;

namespace OnnxTransfer.Bench.Common;

/// <summary>The small helpers of the bench's own verbs (stream-food101, augment-views): "--name value" options and invariant text.</summary>
internal static class VerbArgs
{
    /// <summary>The value after <paramref name="name"/> in <paramref name="args"/>, or null.</summary>
    public static string? Arg(string[] args, string name) => Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

    /// <summary>Formats with the invariant culture, as every report is written.</summary>
    public static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
