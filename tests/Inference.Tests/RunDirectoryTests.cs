using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.Onnx;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Inference.Tests;

public class RunDirectoryTests
{
    private static readonly HeadSidecar Consistent = new() { Classes = ["a", "b"], FeatureWidth = 4, FeatureShape = [4], Source = new() { InputSize = 32 } };

    /// <summary>A run of a linear head on 4 features with 2 classes, with <paramref name="sidecar"/> as its head.json.</summary>
    private static void WriteRun(string dir, HeadSidecar sidecar)
    {
        var head = new DenseHead(HeadSpec.Linear, 4, 2, LossKind.Softmax, 0, new Rng(1));
        OnnxModelFile.Save(HeadOnnxExporter.ToOnnx(head), Path.Combine(dir, RunFiles.HeadModel));
        sidecar.Save(dir);
    }

    public static TheoryData<string, string> Tampered => new()
    {
        { "classes 1", "lists 1 class(es)" },
        { "classes 0", "lists 0 class(es)" },
        { "classes 3", "head.onnx outputs 2 probabilities but head.json names 3 classes" },
        { "repeated", "class names are empty or repeated" },
        { "width", "head.onnx reads 4 features but head.json says 5" },
        { "shape", "does not match its feature shape" },
        { "size -3", "input size -3 is not an image size" },
        { "size 0", "input size 0 is not an image size" },
        { "size 100000", "input size 100000 is not an image size" },
    };

    [Theory]
    [MemberData(nameof(Tampered))]
    public void A_head_json_that_disagrees_with_head_onnx_is_refused_before_any_prediction_or_export(string change, string expected)
    {
        using var run = new TempDir();
        WriteRun(run.Path, change switch
        {
            "classes 1" => Consistent with { Classes = ["a"] },
            "classes 0" => Consistent with { Classes = [] },
            "classes 3" => Consistent with { Classes = ["a", "b", "c"] },
            "repeated" => Consistent with { Classes = ["a", "a"] },
            "width" => Consistent with { FeatureWidth = 5, FeatureShape = [5] },
            "shape" => Consistent with { FeatureShape = [2, 3] },
            "size -3" => Consistent with { Source = new() { InputSize = -3 } },
            "size 0" => Consistent with { Source = new() { InputSize = 0 } },
            _ => Consistent with { Source = new() { InputSize = 100000 } },
        });
        var e = Assert.Throws<OnnxTransferException>(() => RunDirectory.Open(run.Path));
        Assert.Contains(expected, e.Message);
        Assert.Contains("retrain it", e.Message);
    }

    [Fact]
    public void A_missing_backbone_override_is_a_one_line_error_naming_it()
    {
        using var run = new TempDir();
        WriteRun(run.Path, Consistent);
        string missing = run.File("missing.onnx");

        var e = Assert.Throws<OnnxTransferException>(() => Predictor.FromRunDirectory(run.Path, new PredictorOptions { BackbonePath = missing }));

        Assert.StartsWith($"Backbone '{missing}' does not exist; ", e.Message);
        Assert.Contains("leave out `BackbonePath`", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
