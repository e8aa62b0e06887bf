using Spectre.Console;

namespace OnnxTransfer.Cli;

/// <summary>
/// Spectre consoles bound to the current Console.Out / Console.Error. Spectre's static AnsiConsole
/// binds to the writer it sees first and keeps it, which breaks callers (tests, hosts) that redirect
/// standard output; a fresh console per use follows the redirection.
/// </summary>
internal static class Terminal
{
    public static IAnsiConsole Out => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });

    public static IAnsiConsole Error => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>Prints a library's warning on standard error, in the command line's words (<see cref="LibraryTerms"/>).</summary>
    public static void Warn(string warning) => Console.Error.WriteLine($"warning: {LibraryTerms.ToCli(warning)}");
}
