using OnnxTransfer.Cli.Commands;
using Xunit;

namespace OnnxTransfer.Cli.Tests;

public class EtaColumnTests
{
    [Theory]
    [InlineData(null, "--:--")]
    [InlineData(46.4, "00:46")]
    [InlineData(125.0, "02:05")]
    [InlineData(3 * 3600 + 61.0, "3:01:01")]
    public void Time_left_reads_as_minutes_and_seconds_or_hours(double? seconds, string text) =>
        Assert.Equal(text, EtaColumn.Format(seconds is { } s ? TimeSpan.FromSeconds(s) : null));
}
