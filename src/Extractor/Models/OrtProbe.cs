using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxTransfer.Extractor.Runtime;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Extractor.Models;

/// <summary>The element type and shape ONNX Runtime produced for one tensor.</summary>
internal sealed record ProbedTensor(TensorElementType ElementType, long[] Shape);

/// <summary>
/// Learns tensor shapes by running a model once on zeros with the tensors of interest made graph
/// outputs. Static shape inference would miss shapes that depend on the input size; one run at
/// the real size is exact for every op ONNX Runtime supports. A model ORT cannot load or run is an
/// <see cref="OnnxTransferException"/> naming it, with ORT's exception inside.
/// </summary>
internal static class OrtProbe
{
    public static Dictionary<string, ProbedTensor> Run(ModelProto model, IReadOnlyList<string> tensors, int batch, int inputSize)
    {
        var probe = model.Clone();
        var graph = probe.Graph;
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        // A graph input cannot also be an output; callers only ask for node outputs.
        var wanted = tensors.Distinct(StringComparer.Ordinal).Where(t => graph.Input.All(i => i.Name != t)).ToList();
        graph.Output.Clear();
        // A name-only ValueInfo lets ONNX Runtime infer the type itself.
        foreach (var t in wanted) graph.Output.Add(new ValueInfoProto { Name = t });
        // Only what the wanted tensors need is run (and only the inputs they read are fed).
        GraphPruner.Prune(graph);
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();

        string name = ModelLayers.DisplayName(model);
        using var session = Open(probe, name);
        var values = new List<OrtValue>();
        try
        {
            foreach (var input in inputs) values.Add(Zeros(input, batch, inputSize, name));
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, inputs.Select(i => i.Name).ToList(), values, wanted);
            var result = new Dictionary<string, ProbedTensor>(StringComparer.Ordinal);
            for (int i = 0; i < wanted.Count; i++)
            {
                var info = outputs[i].GetTensorTypeAndShape();
                result[wanted[i]] = new ProbedTensor(info.ElementDataType, info.Shape);
            }
            return result;
        }
        catch (OnnxRuntimeException e)
        {
            throw OrtErrors.CannotRun(name, e);
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    private static InferenceSession Open(ModelProto probe, string name)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            return new InferenceSession(OnnxModelFile.ToBytes(probe), options);
        }
        catch (OnnxRuntimeException e)
        {
            throw OrtErrors.CannotLoad(name, e);
        }
    }

    /// <summary>The concrete shape fed for a declared input: the first symbolic dim is the batch,
    /// other symbolic dims are spatial and take the input size.</summary>
    public static long[] ConcreteShape(ValueInfoProto input, int batch, int inputSize)
    {
        var dims = input.Type.TensorType.Shape?.Dim ?? [];
        return dims.Select((d, i) => d.HasDimValue ? d.DimValue : i == 0 ? batch : inputSize).ToArray();
    }

    private static OrtValue Zeros(ValueInfoProto input, int batch, int inputSize, string name)
    {
        long[] shape = ConcreteShape(input, batch, inputSize);
        OrtValue value;
        try
        {
            value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)input.Type.TensorType.ElemType, shape);
        }
        catch (OnnxRuntimeException e)
        {
            // ORT says only "std::bad_alloc" of an input whose fixed dims are absurd; the shape says why.
            throw new OnnxTransferException(
                $"ONNX Runtime cannot allocate input '{input.Name}' [{string.Join(", ", shape)}] of {name} ({OrtErrors.Reason(e)}); {OrtErrors.Fix}.", e);
        }
        value.GetTensorMutableRawData().Clear();
        return value;
    }
}
