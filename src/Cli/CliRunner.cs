using System.CommandLine;

namespace OnnxTransfer.Cli;

/// <summary>Runs the parsed command and turns user errors into one red line and exit code 2.</summary>
public static class CliRunner
{
    public const int UserErrorExitCode = 2;

    public static int Run(RootCommand root, string[] args)
    {
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        try
        {
            return root.Parse(args).Invoke(config);
        }
        catch (Exception e) when (Unwrap(e) is OnnxTransferException user)
        {
            Console.Error.WriteLine($"error: {user.Message}");
            return UserErrorExitCode;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled.");
            return 130;
        }
    }

    private static Exception Unwrap(Exception e) =>
        e is AggregateException { InnerExceptions.Count: 1 } a ? Unwrap(a.InnerExceptions[0]) : e;
}
