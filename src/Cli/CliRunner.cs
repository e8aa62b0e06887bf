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
            var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
            // A mistyped option value gets the same one-line error as any other user error, pointing at the
            // help, rather than the whole help text with the error at its end.
            if (parse.Errors.Count > 0)
            {
                string message = string.Join(' ', parse.Errors[0].Message.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
                Console.Error.WriteLine($"error: {message} (see {parse.CommandResult.Command.Name} --help)");
                return UserErrorExitCode;
            }
            return parse.Invoke(config);
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
