using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Inference;

/// <summary>
/// Checks that a run's head.json agrees with its head.onnx before anything is predicted or exported from them: the
/// class names (what each probability means), the feature width the head reads, and the image size to feed. A hand-
/// edited or mixed-up run would otherwise give wrong class names, or a classifier that fails in someone else's runtime.
/// </summary>
internal static class RunCheck
{
    public static void Check(string run, HeadSidecar sidecar, ModelProto head)
    {
        string fix = "retrain it, or restore head.json and head.onnx from the same run";
        var classes = sidecar.Classes;
        if (classes.Count < 2)
            throw new OnnxTransferException($"Run '{run}': head.json lists {classes.Count} class(es), but a classifier has at least two; {fix}.");
        if (classes.Any(c => c.Length == 0) || classes.Distinct(StringComparer.Ordinal).Count() != classes.Count)
            throw new OnnxTransferException($"Run '{run}': head.json's class names are empty or repeated; {fix}.");
        long width = sidecar.FeatureShape.Aggregate(1L, (a, b) => a * b);
        if (sidecar.FeatureWidth <= 0 || sidecar.FeatureShape.Length == 0 || width != sidecar.FeatureWidth)
            throw new OnnxTransferException(
                $"Run '{run}': head.json's feature width {sidecar.FeatureWidth} does not match its feature shape [{string.Join(", ", sidecar.FeatureShape)}]; {fix}.");
        long? inputs = Width(head.Graph.Input, ChainExporter.HeadInput), outputs = Width(head.Graph.Output, ChainExporter.HeadOutput);
        if (inputs != sidecar.FeatureWidth)
            throw new OnnxTransferException($"Run '{run}': head.onnx reads {inputs?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no"} features but head.json says {sidecar.FeatureWidth}; {fix}.");
        if (outputs != classes.Count)
            throw new OnnxTransferException($"Run '{run}': head.onnx outputs {outputs?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no"} probabilities but head.json names {classes.Count} classes; {fix}.");
        int size = sidecar.Source.InputSize;
        if (size is < 1 or > 8192)
            throw new OnnxTransferException($"Run '{run}': head.json's input size {size} is not an image size (1 to 8192); {fix}.");
    }

    /// <summary>The fixed second dimension of the named [N, D] tensor, or null.</summary>
    private static long? Width(IEnumerable<ValueInfoProto> values, string name)
    {
        var dims = values.FirstOrDefault(v => v.Name == name)?.Type?.TensorType?.Shape?.Dim;
        return dims is { Count: 2 } && dims[1].HasDimValue ? dims[1].DimValue : null;
    }
}
