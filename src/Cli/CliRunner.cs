using System.CommandLine;
using System.Runtime.InteropServices;

namespace OnnxTransfer.Cli;

/// <summary>
/// Runs the parsed command: Ctrl-C and SIGTERM become a graceful stop, and every failure becomes one line on standard
/// error and an exit code, never a stack trace (ONNX_TRANSFER_DEBUG=1 adds it, for bug reports).
/// <list type="table">
/// <item><term>0</term><description>success</description></item>
/// <item><term>1</term><description>the command ran but had nothing to show for it (predict: no image readable)</description></item>
/// <item><term>2</term><description>a user error: a bad option, file, folder or model, a full disk; the line says the fix</description></item>
/// <item><term>70</term><description>an unexpected error, a bug in this tool: the line names the exception</description></item>
/// <item><term>74</term><description>an input/output error the tool did not expect (a failing disk or network share)</description></item>
/// <item><term>130, 143</term><description>stopped by SIGINT (Ctrl-C) or SIGTERM, after saving what was done</description></item>
/// </list>
/// </summary>
public static class CliRunner
{
    public const int UserErrorExitCode = 2;
    public const int InternalErrorExitCode = 70;
    public const int IoErrorExitCode = 74;
    public const int InterruptedExitCode = 130;
    public const int TerminatedExitCode = 143;

    public static int Run(RootCommand root, string[] args)
    {
        // System.CommandLine's own handling is off (ProcessTerminationTimeout = null): it would end the process two
        // seconds after the signal, in the middle of saving.
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
        using var stop = new CancellationTokenSource();
        int stoppedBy = 0;
        void OnSignal(PosixSignalContext context)
        {
            // A second signal means "now": the default action ends the process at once.
            if (Interlocked.CompareExchange(ref stoppedBy, context.Signal == PosixSignal.SIGINT ? InterruptedExitCode : TerminatedExitCode, 0) != 0) return;
            context.Cancel = true;
            Console.Error.WriteLine($"\n{(context.Signal == PosixSignal.SIGINT ? "interrupted" : "terminated")}: stopping and saving what is done (signal again to quit at once)");
            stop.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        try
        {
            var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
            // A mistyped option value gets the same one-line error as any other user error, pointing at the
            // help, rather than the whole help text with the error at its end.
            if (parse.Errors.Count > 0)
            {
                string message = string.Join(' ', parse.Errors[0].Message.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
                Console.Error.WriteLine($"error: {message} (see {parse.CommandResult.Command.Name} --help)");
                return UserErrorExitCode;
            }
            return parse.InvokeAsync(config, stop.Token).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            var (code, line) = Describe(Unwrap(e), stoppedBy);
            Console.Error.WriteLine(line);
            if (Environment.GetEnvironmentVariable("ONNX_TRANSFER_DEBUG") == "1") Console.Error.WriteLine(e);
            return code;
        }
    }

    /// <summary>The one table from failures to exit codes and lines.</summary>
    internal static (int Code, string Line) Describe(Exception e, int stoppedBy) => e switch
    {
        OnnxTransferException user => (UserErrorExitCode, $"error: {OneLine(LibraryTerms.ToCli(user.Message))}"),
        OperationCanceledException cancelled when stoppedBy != 0 =>
            (stoppedBy, cancelled.GetType() == typeof(OperationCanceledException) || cancelled is TaskCanceledException ? "cancelled." : $"cancelled: {OneLine(LibraryTerms.ToCli(cancelled.Message))}"),
        OperationCanceledException => (InterruptedExitCode, "cancelled."),
        OutOfMemoryException => (UserErrorExitCode, "error: out of memory; lower --batch-size (or --input-size, --sessions) and try again."),
        UnauthorizedAccessException denied => (UserErrorExitCode, $"error: permission denied: {OneLine(denied.Message)}"),
        IOException io => (IoErrorExitCode, $"error: input/output error: {OneLine(io.Message)}"),
        { } other when other.GetType().Name == "OnnxRuntimeException" =>
            (UserErrorExitCode, $"error: ONNX Runtime failed: {OneLine(other.Message)}; check the model (or report it with the command that caused it)"),
        _ => (InternalErrorExitCode, $"error: unexpected {e.GetType().Name}: {OneLine(e.Message)} (a bug in onnx-transfer: please report it with the command; ONNX_TRANSFER_DEBUG=1 shows the stack trace)"),
    };

    private static string OneLine(string message) => string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()));

    private static Exception Unwrap(Exception e) =>
        e is AggregateException { InnerExceptions.Count: 1 } a ? Unwrap(a.InnerExceptions[0]) : e;
}
