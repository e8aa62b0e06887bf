using System.Diagnostics;
using Xunit;

namespace OnnxTransfer.Core.Tests.IO;

/// <summary>A fact about Linux system calls: reported as skipped, not passed, elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "Linux only (statx, flock, FIFOs)";
    }
}

/// <summary>Runs the system's own tools (mkfifo, ln, stat, flock): independent of the code under test.</summary>
internal static class Shell
{
    public static (int Code, string Out) Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        string output = p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output.Trim());
    }

    public static string Ok(string program, params string[] args)
    {
        var (code, output) = Run(program, args);
        Assert.True(code == 0, $"{program} {string.Join(' ', args)} exited {code}");
        return output;
    }
}
