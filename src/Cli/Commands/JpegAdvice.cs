namespace OnnxTransfer.Cli.Commands;

/// <summary>The hint to install the fast JPEG decoder, given once a process (the demo extracts twice), on stderr, never in machine-readable output.</summary>
internal static class JpegAdvice
{
    private static int _said;

    public static void Once(string? advice)
    {
        if (advice is not null && Interlocked.Exchange(ref _said, 1) == 0) Console.Error.WriteLine($"hint: {advice}");
    }
}
