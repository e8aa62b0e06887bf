using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Inference.Tests;

public class RunDirectoryTests
{
    [Fact]
    public void AMissingBackboneOverrideIsAOneLineErrorNamingIt()
    {
        using var run = new TempDir();
        new HeadSidecar().Save(run.Path);
        string missing = run.File("missing.onnx");

        var e = Assert.Throws<OnnxTransferException>(() => Predictor.FromRunDirectory(run.Path, new PredictorOptions { BackbonePath = missing }));

        Assert.StartsWith($"Backbone '{missing}' does not exist; ", e.Message);
        Assert.Contains("leave out --backbone", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
