using System.CommandLine;
using OnnxTransfer.Cli;
using OnnxTransfer.Cli.Commands;

// Console.Out/Error and environment variables are process-wide, so CLI tests run one at a time.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]

namespace OnnxTransfer.Cli.Tests;

/// <summary>What one in-process run of the CLI printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Runs `onnx-transfer ARGS` in-process: the root command built as Program.cs builds it,
/// through CliRunner (which turns user errors into `error:` lines and exit code 2).</summary>
public static class Cli
{
    public static CliResult Run(params string[] args)
    {
        var root = new RootCommand("onnx-transfer: transfer learning on images with ONNX Runtime.");
        root.Subcommands.Add(ModelsCommand.Create());
        root.Subcommands.Add(ExtractCommand.Create());
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            int code = CliRunner.Run(root, args);
            return new CliResult(code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    /// <summary>Sets an environment variable for the duration of a using block.</summary>
    public static IDisposable Env(string name, string? value)
    {
        string? old = Environment.GetEnvironmentVariable(name);
        Environment.SetEnvironmentVariable(name, value);
        return new Restore(() => Environment.SetEnvironmentVariable(name, old));
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
