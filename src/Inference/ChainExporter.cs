using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Inference;

/// <summary>
/// Joins a truncated backbone (image -> features.&lt;layer&gt;) and a trained head
/// (features [N,D] -> probabilities [N,K]) into one ONNX graph: image -> probabilities, class names in its
/// metadata; the image is a decoded photo of any size (<see cref="ExportInput.Raw"/>) or one already resized.
/// </summary>
public static class ChainExporter
{
    /// <summary>The head's input and output names, fixed by the trainer's ONNX export.</summary>
    public const string HeadInput = "features";
    public const string HeadOutput = "probabilities";

    private const string HeadPrefix = "head/";

    /// <summary>
    /// The single-file classifier of a training run: its backbone and head chained, taking a decoded photo of any size
    /// (<see cref="ExportOptions.Input"/>, default <see cref="ExportInput.Raw"/>) or one already resized, with the run's
    /// image settings and the input contract recorded in its metadata and doc_string.
    /// </summary>
    /// <exception cref="OnnxTransferException">The raw form was asked for a run whose resize no ONNX graph reproduces (the message says why and to use the fixed form).</exception>
    public static OnnxModel Export(RunDirectory run, ExportOptions? options = null) => new(ExportProto(run, options ?? new ExportOptions()));

    internal static ModelProto ExportProto(RunDirectory run, ExportOptions options)
    {
        var image = run.Image;
        var backbone = run.LoadBackbone();
        bool raw = options.Input == ExportInput.Raw;
        if (raw && PhotoInput.Unsupported(image, DefaultOpset(backbone)) is { } reason)
            throw new OnnxTransferException(
                $"Cannot export run '{run.Path}' for raw photos: {reason}. Export with `Input` fixed instead: its graph takes " +
                $"images already resized to {image.Size}x{image.Size} as training did (recorded in its metadata).");
        var model = Chain(backbone, run.LoadHead(), run.Sidecar.FeatureLayer, run.Sidecar.Classes);
        if (raw) PhotoInput.Prepend(model.Graph, image);
        var info = ModelInfo.Read(model);
        var source = run.Sidecar.Source;
        info.InputSize = source.InputSize;
        info.Resize = OptionNames.Name(image.Resize);
        info.Interpolation = OptionNames.Name(image.Interpolation);
        info.CropFraction = source.CropFraction;
        info.Input = raw ? ModelInfo.RawInput : ModelInfo.FixedInput;
        info.WriteTo(model);
        model.DocString = Contract(info, run.Sidecar.Classes.Count);
        return model;
    }

    /// <summary>The input contract in words, for the model's doc_string (what a consumer of the file alone reads).</summary>
    internal static string Contract(ModelInfo info, int classes)
    {
        int s = info.InputSize;
        string input = info.TakesRawPhotos
            ? $"Input '{ModelInfo.ImageInput}': uint8 [N,H,W,3], a decoded photo of any size, RGB, upright (apply EXIF orientation " +
              "before), transparent pixels composited on white; N > 1 photos must share H and W. The graph " +
              (info.Resize == "center-crop" ? "crops the largest centred square (offsets rounded down), then " : "") +
              $"resizes to {s}x{s} on float pixels as TensorFlow 2's tf.image.resize {info.Interpolation} does" +
              (info.Interpolation == "area" ? " (each output pixel the overlap-weighted mean of the source box it covers). " : " (half-pixel centres, no antialias). ") +
              $"onnx-transfer itself decodes a JPEG whose shorter side is at least 16/7 of {s} at a reduced DCT scale (k/8, keeping twice {s}), " +
              "so a full-size decode of such a photo gives somewhat different probabilities."
            : $"Input '{ModelInfo.ImageInput}': float32 [N,{s},{s},3], RGB 0-255, already " + info.Resize switch
            {
                "center-crop" => $"centre-cropped to the largest square and resized to {s}x{s} with {info.Interpolation}.",
                "short-side" => $"resized with {info.Interpolation} to a shorter side of floor({s} / {info.CropFraction}) and centre-cropped to {s}x{s}.",
                _ => $"resized to {s}x{s} with {info.Interpolation}.",
            };
        return $"onnx-transfer classifier. {input} The model's preprocessing ({info.Preprocess}) is inside the graph. " +
               $"Output '{HeadOutput}': float32 [N,{classes}], class probabilities in the order of metadata '{ModelInfo.ClassesKey}'.";
    }

    private static long DefaultOpset(ModelProto model) => model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? 0;

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
