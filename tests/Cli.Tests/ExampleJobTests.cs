using System.Text.RegularExpressions;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Cli.Tests;

/// <summary>
/// The Kubernetes example cannot run here (no cluster), so what can go wrong in it without one is checked: the pod's
/// command line parses as this CLI's, and the shard count it gives is the Job's completion count.
/// </summary>
public partial class ExampleJobTests
{
    private static readonly string Yaml = File.ReadAllText(Path.Combine(SharedData.Repo, "examples", "kubernetes", "extract-indexed-job.yaml"));

    [Fact]
    public void The_indexed_job_gives_the_pods_its_completion_count_as_the_shard_count()
    {
        Assert.Matches(@"(?m)^  completionMode: Indexed$", Yaml);
        string completions = Regex.Match(Yaml, @"(?m)^  completions: (\d+)$").Groups[1].Value;
        string parallelism = Regex.Match(Yaml, @"(?m)^  parallelism: (\d+)$").Groups[1].Value;
        string count = Regex.Match(Yaml, @"name: ONNX_TRANSFER_SHARD_COUNT\s+value: ""(\d+)""").Groups[1].Value;
        Assert.NotEqual("", completions);
        Assert.Equal(completions, count);
        Assert.Equal(completions, parallelism);
    }

    [Fact]
    public void The_pods_command_line_is_a_valid_extract_command()
    {
        Assert.Contains("command: [\"onnx-transfer\"]", Yaml);
        var args = Quoted().Matches(Args().Match(Yaml).Groups[1].Value).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal("extract", args[0]);
        var parse = CliApp.CreateRoot().Parse(args);
        Assert.True(parse.Errors.Count == 0, string.Join("; ", parse.Errors.Select(e => e.Message)));
        Assert.DoesNotContain("--shard", args); // the index comes from JOB_COMPLETION_INDEX
    }

    [GeneratedRegex(@"args: \[(.*?)\]", RegexOptions.Singleline)]
    private static partial Regex Args();

    [GeneratedRegex(@"""([^""]*)""")]
    private static partial Regex Quoted();
}
