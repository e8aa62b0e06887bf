using OnnxTransfer.Onnx.Proto;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Onnx;

/// <summary>
/// Builds ONNX graphs node by node. Every model this tool writes goes through here, so the
/// opset, IR version and producer are set in one place.
/// </summary>
internal sealed class GraphBuilder
{
    /// <summary>Opset 17: supported by every ONNX Runtime since 1.13 and by PyTorch's exporter.</summary>
    public const int Opset = 17;

    /// <summary>IR version 8 is what opset 17 requires.</summary>
    public const long IrVersion = 8;

    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public GraphBuilder(string graphName) => Graph = new GraphProto { Name = graphName };

    /// <summary>Wraps an existing graph (for edits such as truncation or chaining).</summary>
    public GraphBuilder(GraphProto graph)
    {
        Graph = graph;
        foreach (var n in graph.Node) foreach (var o in n.Output) _names.Add(o);
        foreach (var i in graph.Initializer) _names.Add(i.Name);
        foreach (var i in graph.Input) _names.Add(i.Name);
    }

    public GraphProto Graph { get; }

    /// <summary>True when a tensor of this name already exists in the graph.</summary>
    public bool Has(string name) => _names.Contains(name);

    /// <summary>A fresh tensor name based on <paramref name="stem"/>.</summary>
    public string Unique(string stem)
    {
        if (!_names.Contains(stem)) return stem;
        for (int i = 1; ; i++)
        {
            string candidate = $"{stem}_{i}";
            if (!_names.Contains(candidate)) return candidate;
        }
    }

    /// <summary>Declares a graph input. Dimensions are long (fixed) or string (symbolic).</summary>
    public string Input(string name, DataType type, params object[] dims)
    {
        Graph.Input.Add(ValueInfo(name, type, dims));
        _names.Add(name);
        return name;
    }

    public void Output(string name, DataType type, params object[] dims) => Graph.Output.Add(ValueInfo(name, type, dims));

    public string Initializer(string name, ReadOnlySpan<float> data, params long[] dims)
    {
        Claim(name);
        Graph.Initializer.Add(TensorData.FromFloats(name, data, dims));
        return name;
    }

    public string InitializerInt64(string name, ReadOnlySpan<long> data, params long[] dims)
    {
        Claim(name);
        Graph.Initializer.Add(TensorData.FromInt64s(name, data, dims));
        return name;
    }

    /// <summary>Adds a single-output node; its node name is its output name.</summary>
    public string Node(string opType, string[] inputs, string output, params AttributeProto[] attributes) =>
        Node(opType, inputs, [output], attributes)[0];

    public string[] Node(string opType, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        foreach (var o in outputs) Claim(o);
        var node = new NodeProto { OpType = opType, Name = outputs[0] };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return outputs;
    }

    /// <summary>Wraps the graph in a model with this tool's opset, IR version and metadata.</summary>
    public ModelProto ToModel(IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "onnx-transfer",
            ProducerVersion = typeof(GraphBuilder).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
            Graph = Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        if (metadata != null)
            foreach (var kv in metadata)
                model.MetadataProps.Add(new StringStringEntryProto { Key = kv.Key, Value = kv.Value });
        return model;
    }

    public static ValueInfoProto ValueInfo(string name, DataType type, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(d switch
            {
                string s => new TensorShapeProto.Types.Dimension { DimParam = s },
                int i => new TensorShapeProto.Types.Dimension { DimValue = i },
                long l => new TensorShapeProto.Types.Dimension { DimValue = l },
                _ => throw new ArgumentException($"Dimension {d} must be a long or a string."),
            });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private void Claim(string name)
    {
        if (!_names.Add(name))
            throw new InvalidOperationException($"Tensor name '{name}' is already used in graph '{Graph.Name}'.");
    }
}
