using OnnxTransfer.Extractor.Extraction;

namespace OnnxTransfer.Cli.Commands;

/// <summary>What a verb says about its input before working on it, on standard error (standard output may carry CSV or JSON).</summary>
internal static class InputNotice
{
    /// <summary>The line saying what the input was taken for, unless <paramref name="quiet"/>; the scanner's warnings, when asked, always (they explain errors to come).</summary>
    public static void Write(InputSet inputs, bool quiet, bool warnings = true)
    {
        if (!quiet) Console.Error.WriteLine($"input: {inputs.Layout}");
        if (!warnings) return;
        foreach (string w in inputs.Warnings) Terminal.Warn(w);
    }
}
