using System.Diagnostics;
using System.Text;

namespace OnnxTransfer.Cli.Tests;

/// <summary>
/// The real onnx-transfer in a child process (the test output's onnx-transfer.dll run by the same dotnet host), for
/// promises about processes: signals, kill -9, locks, disk full, hangs. Output is read as it comes.
/// </summary>
public sealed class ChildCli : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new(), _err = new();
    private readonly Task _reading;

    private ChildCli(Process process)
    {
        _process = process;
        // Read as characters, not lines: a line reader would turn a carriage return inside a quoted CSV field into a line break.
        _reading = Task.WhenAll(Copy(process.StandardOutput, _out), Copy(process.StandardError, _err));
    }

    private static async Task Copy(StreamReader from, StringBuilder to)
    {
        var buffer = new char[4096];
        for (int n; (n = await from.ReadAsync(buffer)) > 0;)
            lock (to) to.Append(buffer, 0, n);
    }

    public int Pid => _process.Id;

    public string Error { get { lock (_err) return _err.ToString(); } }

    /// <summary>Starts `onnx-transfer ARGS`, under <paramref name="wrapper"/> (a command and its arguments, e.g. setpriv ...) when given.</summary>
    public static ChildCli Start(string[] args, string[]? wrapper = null, IReadOnlyDictionary<string, string>? env = null)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        string[] command = [.. wrapper ?? [], dotnet, Path.Combine(AppContext.BaseDirectory, "onnx-transfer.dll"), .. args];
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in command.Skip(1)) start.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) start.Environment[k] = v;
        return new ChildCli(Process.Start(start)!);
    }

    /// <summary>Runs to the end; a run past <paramref name="timeout"/> is killed and fails the test (it hung).</summary>
    public static CliResult Run(TimeSpan timeout, params string[] args) => Run(timeout, null, null, args);

    public static CliResult Run(TimeSpan timeout, string[]? wrapper, IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        using var child = Start(args, wrapper, env);
        return child.Wait(timeout);
    }

    public CliResult Wait(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"onnx-transfer did not finish within {timeout.TotalSeconds} s (hung); stderr so far:\n{Error}");
        }
        _reading.Wait(timeout);
        lock (_out) lock (_err) return new CliResult(_process.ExitCode, _out.ToString(), _err.ToString());
    }

    /// <summary>Sends a signal by name (INT, TERM, KILL) with kill(1).</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", name, Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
        kill.WaitForExit();
    }

    /// <summary>Waits until <paramref name="condition"/> holds, failing the test if the process ends first or it takes longer than <paramref name="timeout"/>.</summary>
    public void WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (_process.HasExited) throw new InvalidOperationException($"onnx-transfer exited ({_process.ExitCode}) before {what}; stderr:\n{Error}");
            if (clock.Elapsed > timeout) throw new TimeoutException($"no {what} within {timeout.TotalSeconds} s; stderr:\n{Error}");
            Thread.Sleep(50);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
