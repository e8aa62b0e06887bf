using Microsoft.ML.OnnxRuntime;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Extractor.Models;

/// <summary>
/// Many exported models fix the batch dim at 1. Making it symbolic is safe unless the graph bakes
/// the batch into a constant (e.g. Reshape to [1, -1]); a trial run at batch 2 tells them apart.
/// </summary>
internal static class BatchDims
{
    /// <summary>Returns the model with a symbolic image batch dim when a batch-2 run gives batch-2
    /// outputs; otherwise returns it unchanged, batch fixed at 1.</summary>
    public static ModelProto MakeSymbolicIfSafe(ModelProto model, int inputSize)
    {
        var image = model.Graph.Input.First(i => i.Name == ModelInfo.ImageInput);
        var batch = image.Type.TensorType.Shape.Dim[0];
        if (!batch.HasDimValue || batch.DimValue != 1) return model;

        var candidate = model.Clone();
        candidate.Graph.Input.First(i => i.Name == ModelInfo.ImageInput).Type.TensorType.Shape.Dim[0] =
            new TensorShapeProto.Types.Dimension { DimParam = "N" };
        // value_info holds shape hints recorded for batch 1; ONNX Runtime re-infers them.
        candidate.Graph.ValueInfo.Clear();
        foreach (var output in candidate.Graph.Output)
        {
            var dims = output.Type.TensorType.Shape?.Dim;
            if (dims is { Count: > 0 } && dims[0].HasDimValue && dims[0].DimValue == 1)
                dims[0] = new TensorShapeProto.Types.Dimension { DimParam = "N" };
        }
        try
        {
            var outputs = candidate.Graph.Output.Select(o => o.Name).ToList();
            var shapes = OrtProbe.Run(candidate, outputs, batch: 2, inputSize);
            return shapes.Values.All(s => s.Shape.Length > 0 && s.Shape[0] == 2) ? candidate : model;
        }
        catch (OnnxTransferException e) when (e.InnerException is OnnxRuntimeException)
        {
            // ORT refused the batch-2 candidate: the batch is baked in somewhere.
            return model;
        }
    }
}
