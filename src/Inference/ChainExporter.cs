using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Inference;

/// <summary>
/// Joins a truncated backbone (image -> features.&lt;layer&gt;) and a trained head
/// (features [N,D] -> probabilities [N,K]) into one ONNX graph:
/// image float32 [N,H,W,3] RGB 0-255 -> probabilities, class names in its metadata.
/// </summary>
public static class ChainExporter
{
    /// <summary>The head's input and output names, fixed by the trainer's ONNX export.</summary>
    public const string HeadInput = "features";
    public const string HeadOutput = "probabilities";

    private const string HeadPrefix = "head/";

    /// <summary>
    /// The single-file classifier of a training run: its backbone and head chained, with the run's image
    /// settings (input size, resize, interpolation) recorded so any consumer feeds it as training did.
    /// </summary>
    public static OnnxModel Export(RunDirectory run) => new(ExportProto(run));

    internal static ModelProto ExportProto(RunDirectory run)
    {
        var model = Chain(run.LoadBackbone(), run.LoadHead(), run.Sidecar.FeatureLayer, run.Sidecar.Classes);
        var info = ModelInfo.Read(model);
        var source = run.Sidecar.Source;
        info.InputSize = source.InputSize;
        info.Resize = source.Resize;
        info.Interpolation = source.Interpolation;
        info.CropFraction = source.CropFraction;
        info.WriteTo(model);
        return model;
    }

    internal static ModelProto Chain(ModelProto backbone, ModelProto head, string featureLayer, IReadOnlyList<string> classes)
    {
        var info = ModelInfo.Read(backbone);
        var feature = info.Features.FirstOrDefault(f => f.Layer == featureLayer)
            ?? throw new OnnxTransferException(
                $"The backbone has no feature output for layer '{featureLayer}' (it has: {string.Join(", ", info.Features.Select(f => f.Layer))}); " +
                "use the backbone.onnx the training features were extracted with.");
        if (head.Graph.Input.All(i => i.Name != HeadInput) || head.Graph.Output.All(o => o.Name != HeadOutput))
            throw new OnnxTransferException($"The head model lacks the '{HeadInput}' input or '{HeadOutput}' output; re-train it with onnx-transfer train.");

        var model = backbone.Clone();
        var graph = model.Graph;
        graph.Name = "onnx_transfer_classifier";

        // Only the chosen feature output survives; pruning drops the other layers' branches.
        var featureOutput = graph.Output.First(o => o.Name == feature.Output);
        graph.Output.Clear();
        graph.Output.Add(featureOutput);
        GraphPruner.Prune(graph);
        graph.Output.Clear();

        var builder = new GraphBuilder(graph);
        string flat = builder.Node("Flatten", [feature.Output], builder.Unique(HeadPrefix + "flatten"), Attr.Int("axis", 1));
        AppendHead(graph, head.Graph, flat);
        graph.Output.Add(GraphBuilder.ValueInfo(HeadOutput, DataType.Float, "N", (long)classes.Count));

        MergeOpsets(model, head);
        model.IrVersion = Math.Max(model.IrVersion, head.IrVersion);
        info.Features = [feature];
        info.Classes = [.. classes];
        info.WriteTo(model);
        return model;
    }

    // Copies the head's nodes and initializers under a "head/" prefix so no name can collide
    // with a backbone tensor; its input is wired to the flattened features.
    private static void AppendHead(GraphProto target, GraphProto head, string flattened)
    {
        string Rename(string name) => name switch
        {
            "" => "",
            HeadInput => flattened,
            HeadOutput => HeadOutput,
            _ => HeadPrefix + name,
        };
        foreach (var init in head.Initializer)
        {
            var copy = init.Clone();
            copy.Name = Rename(init.Name);
            target.Initializer.Add(copy);
        }
        foreach (var node in head.Node)
        {
            var copy = node.Clone();
            copy.Name = HeadPrefix + node.Name;
            copy.Input.Clear();
            copy.Input.AddRange(node.Input.Select(Rename));
            copy.Output.Clear();
            copy.Output.AddRange(node.Output.Select(Rename));
            target.Node.Add(copy);
        }
    }

    // The backbone keeps its own opset: upgrading a foreign graph's opset can change what its ops
    // mean. The head's ops (Gemm, Relu, BatchNormalization, Flatten, Softmax/Sigmoid on 2-D input,
    // all with explicit attributes) compute the same in every opset from 7 on, so they run under it.
    private static void MergeOpsets(ModelProto model, ModelProto head)
    {
        foreach (var op in head.OpsetImport)
            if (model.OpsetImport.All(o => o.Domain != op.Domain))
                model.OpsetImport.Add(op.Clone());
    }
}
