using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.Onnx;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Inference.Tests;

public class RunDirectoryTests
{
    [Fact]
    public void AMissingBackboneOverrideIsAOneLineErrorNamingIt()
    {
        using var run = new TempDir();
        var head = new DenseHead(HeadSpec.Linear, 4, 2, LossKind.Softmax, 0, new Rng(1));
        OnnxModelFile.Save(HeadOnnxExporter.ToOnnx(head), run.File(RunFiles.HeadModel));
        new HeadSidecar { Classes = ["a", "b"], FeatureWidth = 4, FeatureShape = [4], Source = new() { InputSize = 32 } }.Save(run.Path);
        string missing = run.File("missing.onnx");

        var e = Assert.Throws<OnnxTransferException>(() => Predictor.FromRunDirectory(run.Path, new PredictorOptions { BackbonePath = missing }));

        Assert.StartsWith($"Backbone '{missing}' does not exist; ", e.Message);
        Assert.Contains("leave out --backbone", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
