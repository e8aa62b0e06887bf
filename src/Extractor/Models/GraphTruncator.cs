using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxTransfer.Features;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Extractor.Models;

/// <summary>Global pooling applied to a feature output inside the graph.</summary>
public enum PoolMode { None, Avg, Max }

/// <summary>Cuts a model at named layers, keeping only what those outputs need.</summary>
public static class GraphTruncator
{
    /// <summary>
    /// Returns a new model whose outputs are the named layers, in order, as float32 named
    /// "features.&lt;layer&gt;": 4-D layers in Keras NHWC layout [N,H,W,C] (or [N,C] after global
    /// pooling), 2-D layers unchanged. Everything the outputs do not need is removed and
    /// ModelInfo.Features records each output's per-image shape at the model's input size.
    /// The input model is not modified.
    /// </summary>
    public static OnnxModel Truncate(OnnxModel model, IReadOnlyList<string> layers, PoolMode pool) => new(Truncate(model.Proto, layers, pool));

    internal static ModelProto Truncate(ModelProto model, IReadOnlyList<string> layers, PoolMode pool)
    {
        if (layers.Count == 0) throw new OnnxTransferException("No layer given to truncate at; name at least one (`Layers`).");
        var duplicate = layers.GroupBy(l => l, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null) throw new OnnxTransferException($"Layer '{duplicate.Key}' is given twice; name each layer once.");

        var resolved = layers.Select(name => ModelLayers.Resolve(model, name)).ToList();
        var info = ModelInfo.Read(model);
        var result = model.Clone();
        var graph = result.Graph;
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var publicInputs = graph.Input.Where(i => !initializers.Contains(i.Name)).Select(i => i.Name).ToList();

        // Element type and rank of each layer tensor, from one run of the model cut at those tensors.
        var raw = OrtProbe.Run(result, resolved.Select(l => l.Tensor).ToList(), batch: 1, info.InputSize);
        bool dynamicSize = graph.Input.Where(i => publicInputs.Contains(i.Name))
            .Any(i => i.Type.TensorType.Shape?.Dim.Skip(1).Any(d => !d.HasDimValue) ?? true);

        graph.Output.Clear();
        var builder = new GraphBuilder(graph);
        var features = new List<FeatureOutput>();
        foreach (var layer in resolved)
        {
            var probed = raw[layer.Tensor];
            string output = FeatureFormat.FeatureColumn(layer.Name);
            if (builder.Has(output))
                throw new OnnxTransferException($"Cannot name the output of layer '{layer.Name}' '{output}': the model already has a tensor of that name.");
            var (shape, applied) = AddFeatureOutput(builder, layer, probed, pool, output);
            object[] dims = [
                "N",
                .. shape.Select((d, i) => dynamicSize && shape.Length == 3 && i < 2 ? (object)$"{output}_{(i == 0 ? "h" : "w")}" : d),
            ];
            builder.Output(output, DataType.Float, dims);
            features.Add(new FeatureOutput(layer.Name, output, applied, shape));
        }
        GraphPruner.Prune(graph);

        var surviving = graph.Node.SelectMany(n => n.Output).ToHashSet(StringComparer.Ordinal);
        info.Layers = info.Layers.Where(l => surviving.Contains(l.Tensor)).ToList();
        info.Features = features;
        info.WriteTo(result);
        return result;
    }

    /// <summary>Parses the CLI spelling of a pool mode (none, avg, max).</summary>
    public static PoolMode ParsePool(string value) => value.ToLowerInvariant() switch
    {
        "none" => PoolMode.None,
        "avg" => PoolMode.Avg,
        "max" => PoolMode.Max,
        _ => throw new OnnxTransferException($"Pool mode '{value}' is not valid; use none, avg or max."),
    };

    public static string Name(this PoolMode pool) => pool.ToString().ToLowerInvariant();

    // Adds Cast / Transpose / pooling nodes ending in `output`; returns the per-image shape and the pool applied.
    private static (long[] Shape, string Pool) AddFeatureOutput(GraphBuilder b, LayerInfo layer, ProbedTensor probed, PoolMode pool, string output)
    {
        var steps = new List<(string Op, AttributeProto[] Attrs)>();
        switch (probed.ElementType)
        {
            case TensorElementType.Float:
                break;
            case TensorElementType.Float16 or TensorElementType.BFloat16 or TensorElementType.Double:
                steps.Add(("Cast", [Attr.Int("to", (long)DataType.Float)]));
                break;
            default:
                throw new OnnxTransferException(
                    $"Layer '{layer.Name}' holds {probed.ElementType} values (a quantized or index tensor), not features; " +
                    "pick a floating-point layer, e.g. a DequantizeLinear output.");
        }

        long[] s = probed.Shape;
        (long[] Shape, string Pool) described;
        switch (s.Length)
        {
            case 4 when pool == PoolMode.None:
                steps.Add(("Transpose", [Attr.Ints("perm", 0, 2, 3, 1)]));
                described = ([s[2], s[3], s[1]], "none");
                break;
            case 4:
                steps.Add((pool == PoolMode.Avg ? "GlobalAveragePool" : "GlobalMaxPool", []));
                steps.Add(("Flatten", [Attr.Int("axis", 1)]));
                described = ([s[1]], pool.Name());
                break;
            case 2 when pool == PoolMode.None:
                described = ([s[1]], "none");
                break;
            case 2:
                throw new OnnxTransferException(
                    $"Layer '{layer.Name}' is already a vector [N, {s[1]}]; `Pool` {pool.Name()} needs a 4-D layer, so use `Pool` none for it.");
            default:
                throw new OnnxTransferException(
                    $"Layer '{layer.Name}' has a {s.Length}-D output; only 4-D (image) and 2-D (vector) layers can be feature outputs.");
        }
        if (steps.Count == 0) steps.Add(("Identity", []));

        string current = layer.Tensor;
        for (int i = 0; i < steps.Count; i++)
        {
            string next = i == steps.Count - 1 ? output : b.Unique($"{output}/{steps[i].Op}");
            current = b.Node(steps[i].Op, [current], next, steps[i].Attrs);
        }
        return described;
    }
}
