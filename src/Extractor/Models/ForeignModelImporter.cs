using OnnxTransfer.IO;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Extractor.Models;

/// <summary>The preprocessing a foreign model expects, applied inside the graph to RGB 0-255 pixels.</summary>
public enum ImagePreprocess
{
    /// <summary>RGB->BGR, subtract [103.939, 116.779, 123.68] (B, G, R); Keras VGG / Caffe models.</summary>
    Caffe,
    /// <summary>x / 127.5 - 1; Keras MobileNet / Inception.</summary>
    Tf,
    /// <summary>x / 255, subtract mean [0.485, 0.456, 0.406], divide by std [0.229, 0.224, 0.225]; torchvision.</summary>
    Torch,
    /// <summary>RGB->BGR only, 0-255 kept; Caffe2 model-zoo models such as SqueezeNet.</summary>
    Bgr255,
    /// <summary>Pixels passed through as RGB 0-255.</summary>
    None,
}

/// <summary>Options for <see cref="ForeignModelImporter"/>.</summary>
public sealed class ForeignImportOptions
{
    /// <summary>The preprocessing the model was trained with. Default: none.</summary>
    public ImagePreprocess Preprocess { get; init; } = ImagePreprocess.None;

    /// <summary>Square input size; must equal the model's spatial dims when those are fixed. Default: 224.</summary>
    public int InputSize { get; init; } = 224;
}

/// <summary>
/// Wraps any image ONNX model so it takes this tool's standard input, `image` float32 [N,H,W,3]
/// RGB 0-255, with its preprocessing, layout change and precision change inside the graph.
/// </summary>
public static class ForeignModelImporter
{
    /// <summary>Loads and wraps an ONNX file; the weights are identified by the file's sha256.</summary>
    public static OnnxModel Import(string onnxPath, ForeignImportOptions options)
    {
        var model = OnnxModelFile.Load(onnxPath);
        return new OnnxModel(Wrap(model, $"onnx:sha256={Hashing.Sha256File(onnxPath)}", Path.GetFileName(onnxPath), options));
    }

    /// <summary>Wraps a parsed model (left unmodified); <paramref name="weights"/> is recorded as ModelInfo.Weights.</summary>
    internal static ModelProto Wrap(ModelProto source, string weights, string sourceName, ForeignImportOptions options)
    {
        if (options.InputSize <= 0) throw new OnnxTransferException($"Input size {options.InputSize} is not valid; use a positive `InputSize`.");
        var model = source.Clone();
        var graph = model.Graph;
        var layers = ModelLayers.FromNodes(graph);
        var input = SingleImageInput(graph, sourceName);
        var layout = ImageLayout.Of(input, sourceName, options.InputSize);
        if (model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max() < 7)
            throw new OnnxTransferException($"'{sourceName}' uses an ONNX opset below 7; convert it to opset 7 or newer first.");

        // The original input becomes the output of the preprocessing nodes, which run first, so the
        // model's own nodes keep reading the name they always read.
        graph.Input.Remove(input);
        var builder = new GraphBuilder(graph);
        string image = ModelInfo.ImageInput;
        if (builder.Has(image)) throw new OnnxTransferException($"'{sourceName}' already has a tensor named '{image}'; rename it first.");
        if (input.Name == image) RenameInput(graph, input, builder.Unique(image + "_model_input"));
        int modelNodes = graph.Node.Count, modelInitializers = graph.Initializer.Count;
        PreprocessNodes.Add(builder, image, input.Name, options.Preprocess, layout.ChannelsFirst, (DataType)input.Type.TensorType.ElemType);
        var added = graph.Node.Skip(modelNodes).ToList();
        foreach (var node in added) graph.Node.Remove(node);
        for (int i = 0; i < added.Count; i++) graph.Node.Insert(i, added[i]);
        // IR versions before 4 require every initializer to be listed as a graph input too.
        if (model.IrVersion < 4)
            foreach (var t in graph.Initializer.Skip(modelInitializers))
                graph.Input.Add(GraphBuilder.ValueInfo(t.Name, (DataType)t.DataType, t.Dims.Cast<object>().ToArray()));
        object spatial(string symbol) => layout.FixedSpatial ? (long)options.InputSize : symbol;
        graph.Input.Insert(0, GraphBuilder.ValueInfo(image, DataType.Float, layout.BatchDim, spatial("H"), spatial("W"), 3L));
        CastOutputsToFloat(graph, builder);

        new ModelInfo
        {
            Arch = "onnx",
            Weights = weights,
            Preprocess = options.Preprocess.ToString().ToLowerInvariant(),
            InputSize = options.InputSize,
            Layers = layers,
        }.WriteTo(model);
        return BatchDims.MakeSymbolicIfSafe(model, options.InputSize);
    }

    /// <summary>Parses the CLI spelling of a preprocessing mode.</summary>
    public static ImagePreprocess ParsePreprocess(string value) =>
        Enum.TryParse<ImagePreprocess>(value, ignoreCase: true, out var p) && !int.TryParse(value, out _)
            ? p
            : throw new OnnxTransferException($"Preprocessing '{value}' is not valid; use caffe, tf, torch, bgr255 or none.");

    private static ValueInfoProto SingleImageInput(GraphProto graph, string sourceName)
    {
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        if (inputs.Count != 1)
            throw new OnnxTransferException(
                $"'{sourceName}' has {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => i.Name))}); only single-image-input models can be imported.");
        var type = (DataType)inputs[0].Type.TensorType.ElemType;
        if (type is not (DataType.Float or DataType.Float16))
            throw new OnnxTransferException($"'{sourceName}' input '{inputs[0].Name}' is {type}; only float32 and float16 image inputs can be imported.");
        return inputs[0];
    }

    // A model whose input is already called `image` keeps it under another name, fed by the preprocessing.
    private static void RenameInput(GraphProto graph, ValueInfoProto input, string name)
    {
        foreach (var node in graph.Node)
            for (int i = 0; i < node.Input.Count; i++)
                if (node.Input[i] == input.Name) node.Input[i] = name;
        input.Name = name;
    }

    // Graph outputs in float16 become float32 so every model this tool writes speaks float32.
    private static void CastOutputsToFloat(GraphProto graph, GraphBuilder builder)
    {
        foreach (var output in graph.Output.Where(o => o.Type.TensorType.ElemType == (int)DataType.Float16))
        {
            string half = builder.Unique(output.Name + "_fp16");
            foreach (var node in graph.Node)
            {
                for (int i = 0; i < node.Input.Count; i++) if (node.Input[i] == output.Name) node.Input[i] = half;
                for (int i = 0; i < node.Output.Count; i++) if (node.Output[i] == output.Name) node.Output[i] = half;
            }
            foreach (var vi in graph.ValueInfo.Where(v => v.Name == output.Name)) vi.Name = half;
            graph.Node.Add(new NodeProto
            {
                OpType = "Cast", Name = output.Name + "/to_float32", Input = { half }, Output = { output.Name },
                Attribute = { Attr.Int("to", (long)DataType.Float) },
            });
            output.Type.TensorType.ElemType = (int)DataType.Float;
        }
    }
}
