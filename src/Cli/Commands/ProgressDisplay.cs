using Spectre.Console;

namespace OnnxTransfer.Cli.Commands;

/// <summary>
/// A progress bar with rate and ETA on standard error, so standard output stays clean for
/// results (csv/json can be piped). Off when quiet or when stderr is not a terminal.
/// </summary>
internal static class ProgressDisplay
{
    public static T Run<T>(bool quiet, string label, int total, Func<IProgress<int>?, T> work)
    {
        var console = Terminal.Error;
        if (quiet || total < 2 || Console.IsErrorRedirected || !console.Profile.Capabilities.Interactive) return work(null);
        TimeSpan? eta = null;
        return console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                     new EtaColumn(() => eta), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(label, maxValue: total);
                var started = DateTime.UtcNow;
                return work(new Progress(done =>
                {
                    task.Value = done;
                    double rate = done / Math.Max(1e-3, (DateTime.UtcNow - started).TotalSeconds);
                    eta = rate > 0 ? TimeSpan.FromSeconds((total - done) / rate) : null;
                    task.Description = $"{label} {done}/{total} ({rate:F1} images/s)";
                }));
            });
    }

    private sealed class Progress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
