using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Cli.Tests;

/// <summary>The demo as a newcomer meets it twice: run, then run again (after `models fetch`, or with another seed).</summary>
public class DemoCliTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    [Fact]
    public void Run_again_the_demo_replaces_its_own_outputs_and_a_folder_holding_other_files_is_refused_untouched()
    {
        using var dir = new TempDir();
        string root = dir.File("demo");
        var env = new Dictionary<string, string> { ["ONNX_TRANSFER_CACHE"] = dir.File("cache") };
        var first = ChildCli.Run(Limit, null, env, "demo", "--offline", "--model", "mobilenet", "-o", root);
        Assert.True(first.ExitCode == 0, first.Error);
        Assert.True(File.Exists(Path.Combine(root, "evaluation", "report.html")), "the demo writes evaluate's report.html");
        Assert.Contains("report.html: open it in a browser", first.Out);
        // Its own lines fit 80 columns; the commands to copy stay whole on theirs.
        foreach (string line in first.Out.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => !l.StartsWith("  onnx-transfer ", StringComparison.Ordinal)))
            Assert.True(line.Length <= 80, $"{line.Length} columns: {line}");

        File.WriteAllText(Path.Combine(root, "notes.txt"), "mine");
        var refused = ChildCli.Run(Limit, null, env, "demo", "--offline", "--model", "mobilenet", "-o", root);
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal([$"error: Demo folder '{root}' holds 'notes.txt', which no demo writes; choose another --output " +
                      "(a demo replaces only an earlier demo's data, features, run, evaluation, classifier.onnx)."], refused.ErrorLines);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(root, "notes.txt")));
        Assert.True(File.Exists(Path.Combine(root, "run", "head.onnx")), "a refused demo deletes nothing");
        File.Delete(Path.Combine(root, "notes.txt"));

        var again = ChildCli.Run(Limit, null, env, "demo", "--offline", "--model", "mobilenet", "--seed", "3", "-o", root);
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Contains("replaced the earlier demo's outputs in", again.Out);
        Assert.Equal(3UL, HeadSidecar.Load(Path.Combine(root, "run")).Training.Seed);
        Assert.Equal(240, Directory.EnumerateFiles(Path.Combine(root, "data"), "*.jpg", SearchOption.AllDirectories).Count());
    }
}
