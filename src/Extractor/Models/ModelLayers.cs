using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Extractor.Models;

/// <summary>
/// The layers of a model by name: the Keras layers an imported model is tagged with, or, for a
/// model this tool did not write, one layer per node named by its first output.
/// </summary>
internal static class ModelLayers
{
    /// <summary>The model's layers: ModelInfo.Layers when tagged, else <see cref="FromNodes"/>.</summary>
    public static IReadOnlyList<LayerInfo> Of(ModelProto model)
    {
        var info = ModelInfo.IsTagged(model) ? ModelInfo.Read(model) : null;
        return info is { Layers.Count: > 0 } ? info.Layers : FromNodes(model.Graph);
    }

    /// <summary>One layer per node: name and tensor are the node's first output, type its op_type, and
    /// params the elements of the initializers it is the first node to consume (so shared weights count once).</summary>
    public static List<LayerInfo> FromNodes(GraphProto graph)
    {
        var initializers = graph.Initializer.ToDictionary(t => t.Name, TensorData.ElementCount, StringComparer.Ordinal);
        var counted = new HashSet<string>(StringComparer.Ordinal);
        var layers = new List<LayerInfo>();
        foreach (var node in graph.Node)
        {
            long parameters = 0;
            foreach (var input in node.Input)
                if (initializers.TryGetValue(input, out long n) && counted.Add(input)) parameters += n;
            if (node.Output.Count == 0 || node.Output[0].Length == 0) continue;
            layers.Add(new LayerInfo(node.Output[0], node.OpType, node.Output[0], parameters));
        }
        return layers;
    }

    /// <summary>Finds a layer by exact name, or throws naming the closest valid names.</summary>
    public static LayerInfo Resolve(ModelProto model, string name)
    {
        var layers = Of(model);
        var hit = layers.FirstOrDefault(l => l.Name == name);
        if (hit != null) return hit;
        var closest = layers
            .Select((l, i) => (l.Name, Distance: EditDistance(name, l.Name), Prefix: CommonPrefix(name, l.Name), Index: i))
            // Ties go to the longer shared prefix, then to deeper layers, which are what people usually cut at.
            .OrderBy(x => x.Distance).ThenByDescending(x => x.Prefix).ThenByDescending(x => x.Index)
            .Take(3).Select(x => x.Name);
        throw new OnnxTransferException(
            $"Layer '{name}' not found in {DisplayName(model)}; closest: {string.Join(", ", closest)}. " +
            "Run `onnx-transfer models layers <model>` to list all.");
    }

    /// <summary>How messages name a model: its architecture when tagged, else its graph name.</summary>
    public static string DisplayName(ModelProto model) =>
        DisplayName(ModelInfo.IsTagged(model) ? ModelInfo.Read(model).Arch : "", model.Graph.Name);

    /// <summary>The same from the architecture ("" when untagged) and the graph name, which is all ONNX Runtime's metadata of a session has.</summary>
    internal static string DisplayName(string arch, string graphName)
    {
        if (arch == "onnx") return "the imported ONNX model";
        if (arch.Length > 0) return arch;
        return string.IsNullOrEmpty(graphName) ? "the model" : $"'{graphName}'";
    }

    private static int CommonPrefix(string a, string b)
    {
        int n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n]) n++;
        return n;
    }

    /// <summary>Levenshtein distance (insert, delete, substitute each cost 1).</summary>
    internal static int EditDistance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1], prev[j]) + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
