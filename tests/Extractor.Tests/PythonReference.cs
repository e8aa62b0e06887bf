using System.Diagnostics;

namespace OnnxTransfer.Extractor.Tests;

/// <summary>
/// Debian's /usr/bin/python3 with its packages (numpy, scipy, PIL) as an independent reference: whether a module
/// imports, and a script run to its end, failing the test with Python's error when it fails.
/// </summary>
internal static class PythonReference
{
    public const string Python = "/usr/bin/python3";

    /// <summary>True when <paramref name="module"/> imports (checked once per module and test run).</summary>
    public static bool Has(string module) => File.Exists(Python) && Execute($"import {module}", []).ExitCode == 0;

    /// <summary>Runs <paramref name="script"/> with <paramref name="args"/>; <paramref name="what"/> names the reference in a failure.</summary>
    public static void Run(string what, string script, params string[] args)
    {
        var (code, error) = Execute(script, args);
        if (code != 0) throw new InvalidOperationException($"the {what} reference failed: {error}");
    }

    private static (int ExitCode, string Error) Execute(string script, string[] args)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (string a in args) start.ArgumentList.Add(a);
        using var python = Process.Start(start)!;
        python.StandardOutput.ReadToEnd();
        string error = python.StandardError.ReadToEnd();
        python.WaitForExit();
        return (python.ExitCode, error);
    }
}
