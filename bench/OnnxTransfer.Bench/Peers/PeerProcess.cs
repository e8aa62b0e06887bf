using System.ComponentModel;
using System.Diagnostics;

namespace OnnxTransfer.Bench.Peers;

/// <summary>Runs a peer program (Python, the ML.NET peer) to its end within a time limit, capturing both its outputs.</summary>
internal static class PeerProcess
{
    /// <summary>Ten minutes: a peer past it is killed, with its process tree.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    /// <returns>The exit code (-1 when the program is missing or ran past the limit), stdout and stderr.</returns>
    public static (int Exit, string Output, string Errors) Run(string program, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        Process process;
        try { process = Process.Start(start)!; }
        catch (Win32Exception) { return (-1, "", $"{program} not found"); }
        using (process)
        {
            // Both pipes drain concurrently, or a peer filling stderr would block while we wait on stdout.
            var errors = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(Limit))
            {
                process.Kill(entireProcessTree: true);
                return (-1, "", $"{program} ran past {Limit.TotalMinutes:F0} minutes");
            }
            return (process.ExitCode, output.Result, errors.Result);
        }
    }
}
