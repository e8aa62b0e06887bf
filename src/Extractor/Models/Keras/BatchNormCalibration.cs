using Microsoft.ML.OnnxRuntime;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Extractor.Models.Keras;

/// <summary>
/// Data-calibrated random weights (BatchNorm re-estimation, as in LSUV): sets every BatchNormalization's
/// moving_mean / moving_variance to the per-channel mean / variance of that layer's input on a fixed probe
/// batch, each layer seeing the already-calibrated layers before it. Without this, inference-mode BN with
/// made-up statistics lets the signal decay with depth until the pooled features no longer depend on the image.
/// </summary>
/// <remarks>
/// Calibrating layer by layer in graph order, with each layer fed the probe batch through the layers
/// calibrated before it, gives each BN exactly the statistics that training-mode BN (normalising with the
/// batch's own statistics) computes in one forward pass. So one temporary graph, whose BN layers read their
/// statistics from ReduceMean nodes over (N, H, W) and which outputs all of them, needs one session and one
/// run. Gamma and beta stay as drawn. The variance is the population variance, so that on the probe batch the
/// calibrated model's BN outputs have per-channel mean beta and std gamma * sqrt(var / (var + epsilon)).
/// </remarks>
internal static class BatchNormCalibration
{
    /// <summary>Overwrites the moving statistics of every BatchNormalization in <paramref name="model"/>;
    /// returns false (and changes nothing) when the model has none.</summary>
    public static bool Calibrate(ModelProto model, int seed)
    {
        var batchNorms = model.Graph.Node.Where(n => n.OpType == "BatchNormalization").ToList();
        if (batchNorms.Count == 0) return false;
        var statistics = Measure(model, batchNorms, CalibrationProbe.Images(seed));

        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < model.Graph.Initializer.Count; i++) index[model.Graph.Initializer[i].Name] = i;
        foreach (var bn in batchNorms)
        {
            var (mean, variance) = statistics[bn.Output[0]];
            Replace(model.Graph, index[bn.Input[3]], mean);
            Replace(model.Graph, index[bn.Input[4]], variance);
        }
        return true;
    }

    private static Dictionary<string, (float[] Mean, float[] Variance)> Measure(ModelProto model, List<NodeProto> batchNorms, float[] probe)
    {
        var temp = model.Clone();
        var graph = temp.Graph;
        var nodes = new List<NodeProto>(graph.Node.Count + 6 * batchNorms.Count);
        var outputs = new List<string>();
        var flat = new GraphBuilder(graph).InitializerInt64("calibration/flat", [-1], 1);
        foreach (var node in graph.Node)
        {
            if (node.OpType == "BatchNormalization")
            {
                string name = node.Output[0], x = node.Input[0];
                var axes = Attr.Ints("axes", 0, 2, 3);
                var keep = Attr.Int("keepdims", 1);
                string mean4 = Add(nodes, "ReduceMean", [x], $"{name}/calibration/mean4", axes, keep);
                string centred = Add(nodes, "Sub", [x, mean4], $"{name}/calibration/centred");
                string squared = Add(nodes, "Mul", [centred, centred], $"{name}/calibration/squared");
                string var4 = Add(nodes, "ReduceMean", [squared], $"{name}/calibration/var4", axes.Clone(), keep.Clone());
                string mean = Add(nodes, "Reshape", [mean4, flat], $"{name}/calibration/mean");
                string variance = Add(nodes, "Reshape", [var4, flat], $"{name}/calibration/variance");
                node.Input[3] = mean;
                node.Input[4] = variance;
                outputs.Add(mean);
                outputs.Add(variance);
            }
            nodes.Add(node);
        }
        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        graph.Output.Clear();
        foreach (var o in outputs) graph.Output.Add(new ValueInfoProto { Name = o }); // ORT infers the type
        GraphPruner.Prune(graph); // drops the old statistics and what follows the last BN

        // One thread: a fixed reduction order, so the same seed always gives the same bytes.
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        using var session = new InferenceSession(OnnxModelFile.ToBytes(temp), options);
        using var input = OrtValue.CreateTensorValueFromMemory(probe, [CalibrationProbe.Count, CalibrationProbe.Size, CalibrationProbe.Size, 3]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [OnnxTransfer.Models.ModelInfo.ImageInput], [input], outputs);
        var statistics = new Dictionary<string, (float[], float[])>(StringComparer.Ordinal);
        for (int i = 0; i < batchNorms.Count; i++)
            statistics[batchNorms[i].Output[0]] = (results[2 * i].GetTensorDataAsSpan<float>().ToArray(),
                                                   results[2 * i + 1].GetTensorDataAsSpan<float>().ToArray());
        return statistics;
    }

    private static string Add(List<NodeProto> nodes, string op, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = output, Output = { output } };
        node.Input.AddRange(inputs);
        node.Attribute.AddRange(attributes);
        nodes.Add(node);
        return output;
    }

    private static void Replace(GraphProto graph, int index, float[] values)
    {
        var old = graph.Initializer[index];
        graph.Initializer[index] = TensorData.FromFloats(old.Name, values, [.. old.Dims]);
    }
}
