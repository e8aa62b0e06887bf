using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit;

namespace OnnxTransfer.Extractor.Tests;

/// <summary>
/// Debian's /usr/bin/python3 with its packages (numpy, scipy, PIL, torchvision) as an independent reference: whether a
/// module imports, and a script run to its end, failing the test with Python's error when it fails.
/// </summary>
internal static class PythonReference
{
    public const string Python = "/usr/bin/python3";

    private static readonly ConcurrentDictionary<string, bool> Imports = new(StringComparer.Ordinal);

    /// <summary>True when <paramref name="module"/> imports (checked once per module and test run).</summary>
    public static bool Has(string module) => Imports.GetOrAdd(module, m => File.Exists(Python) && Execute($"import {m}", []).ExitCode == 0);

    /// <summary>Why a test that needs <paramref name="module"/> is skipped, or null when it imports.</summary>
    public static string? SkipUnless(string module, string package) =>
        Has(module) ? null : $"skipped: {Python} with {module} not found (apt-get install {package})";

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

/// <summary>A fact that needs /usr/bin/python3 with a module (Debian's package for it) as its reference; skipped, saying so, without it.</summary>
public sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute(string module, string package) => Skip = PythonReference.SkipUnless(module, package);
}

/// <summary>The theory form of <see cref="PythonFactAttribute"/>.</summary>
public sealed class PythonTheoryAttribute : TheoryAttribute
{
    public PythonTheoryAttribute(string module, string package) => Skip = PythonReference.SkipUnless(module, package);
}
