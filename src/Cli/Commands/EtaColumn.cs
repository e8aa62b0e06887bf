using Spectre.Console;
using Spectre.Console.Rendering;

namespace OnnxTransfer.Cli.Commands;

/// <summary>
/// Time left as the work itself estimates it, from this run's own rate: Spectre's RemainingTimeColumn divides by the
/// speed the bar's value grew at, and a resumed extraction's value jumps by every image done before, which made it read
/// 00:00:01 with 46 s left.
/// </summary>
internal sealed class EtaColumn(Func<TimeSpan?> eta) : ProgressColumn
{
    protected override bool NoWrap => true;

    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text(Format(task.IsFinished ? TimeSpan.Zero : eta()), new Style(Color.Blue));

    /// <summary>h:mm:ss (or mm:ss under an hour); "--:--" before there is a rate.</summary>
    internal static string Format(TimeSpan? eta) => eta switch
    {
        null => "--:--",
        { TotalHours: >= 1 } t => $"{(int)t.TotalHours}:{t:mm\\:ss}",
        var t => t.Value.ToString(@"mm\:ss", System.Globalization.CultureInfo.InvariantCulture),
    };
}
