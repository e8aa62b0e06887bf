using Xunit;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx.Proto;
using Xunit.Abstractions;

namespace OnnxTransfer.Extractor.Tests.Keras;

internal static class KerasAssert
{
    /// <summary>The model's layer metadata lists exactly the expected Keras layers, in order, with their
    /// types and parameter counts, each naming a tensor the graph produces.</summary>
    public static void LayersMatch(ModelProto model, List<TestLayer> expected)
    {
        var info = ModelInfo.Read(model);
        Assert.Equal(expected.Select(l => l.Name), info.Layers.Select(l => l.Name));
        Assert.Equal(expected.Select(l => l.Type), info.Layers.Select(l => l.Type));
        Assert.Equal(expected.Select(l => l.Params), info.Layers.Select(l => l.Params));
        var produced = model.Graph.Node.SelectMany(n => n.Output).ToHashSet();
        foreach (var l in info.Layers)
        {
            Assert.Equal(l.Name, l.Tensor);
            Assert.Contains(l.Tensor, produced);
        }
    }

    /// <summary>Runs ORT with every reference layer as an output and asserts max relative error
    /// (max|onnx - ref| / max|ref| per layer) within <paramref name="tolerance"/>; returns the worst.</summary>
    public static double MatchesReference(ModelProto model, Nhwc image, Dictionary<string, Nhwc> reference,
        ITestOutputHelper output, double tolerance = 1e-4)
    {
        var onnx = OrtHarness.Run(model, image, reference.Keys);
        double worst = 0;
        string worstLayer = "";
        foreach (var (layer, expected) in reference)
        {
            double err = OrtHarness.RelativeError(onnx[layer], expected, layer);
            Assert.True(err <= tolerance, $"layer {layer}: relative error {err:E2} > {tolerance:E0}");
            if (err > worst) (worst, worstLayer) = (err, layer);
        }
        output.WriteLine($"{reference.Count} layers compared at {image.H}x{image.W}; worst relative error {worst:E2} at {worstLayer}");
        return worst;
    }
}
