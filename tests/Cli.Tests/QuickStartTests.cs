using OnnxTransfer.Examples;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Cli.Tests;

/// <summary>examples/QuickStart, a program that sees only the public API, does the whole job.</summary>
[Collection(DemoRun.Collection)]
public class QuickStartTests(DemoRun demo)
{
    [Fact]
    public async Task The_example_program_extracts_trains_and_predicts_through_the_public_api()
    {
        using var work = new TempDir();
        string photos = Path.Combine(demo.Root, "data");
        string photo = Directory.GetFiles(Path.Combine(photos, "val", "ocean")).Order(StringComparer.Ordinal).First();
        var backbone = KerasImporter.RandomWeights(KerasArch.MobileNet, new KerasImportOptions { Alpha = 0.25 }, seed: 1);

        var prediction = await QuickStart.RunAsync(backbone, photos, work.Path, photo);

        Assert.Equal(photo, prediction.Path);
        Assert.Equal(["autumn", "forest", "ocean"], prediction.Top(3).Select(c => c.Class).Order(StringComparer.Ordinal));
        Assert.Equal(1.0, prediction.Probabilities.Sum(p => (double)p), 5);
        Assert.True(File.Exists(Path.Combine(work.Path, "run", "head.onnx")));
    }
}
