using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Extractor.Models;

/// <summary>Removes everything a graph's outputs do not depend on (backward reachability).</summary>
internal static class GraphPruner
{
    /// <summary>Keeps the nodes, initializers, inputs and value_info the current graph outputs need,
    /// plus the inputs named in <paramref name="keepInputs"/> (the model's public interface).</summary>
    public static void Prune(GraphProto graph, IReadOnlyCollection<string> keepInputs)
    {
        var needed = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        var kept = new List<NodeProto>();
        // Nodes are stored in topological order, so one reverse sweep settles reachability.
        for (int i = graph.Node.Count - 1; i >= 0; i--)
        {
            var node = graph.Node[i];
            if (!node.Output.Any(needed.Contains)) continue;
            kept.Add(node);
            foreach (var input in node.Input.Where(n => n.Length > 0)) needed.Add(input);
            foreach (var name in SubgraphReferences(node)) needed.Add(name);
        }
        kept.Reverse();
        graph.Node.Clear();
        graph.Node.AddRange(kept);

        Keep(graph.Initializer, t => needed.Contains(t.Name));
        Keep(graph.Input, v => needed.Contains(v.Name) || keepInputs.Contains(v.Name));
        Keep(graph.ValueInfo, v => needed.Contains(v.Name));
    }

    private static void Keep<T>(Google.Protobuf.Collections.RepeatedField<T> field, Func<T, bool> keep)
    {
        var survivors = field.Where(keep).ToList();
        field.Clear();
        field.AddRange(survivors);
    }

    // Control-flow bodies (If/Loop/Scan) may read outer-scope tensors by name.
    private static IEnumerable<string> SubgraphReferences(NodeProto node)
    {
        foreach (var attr in node.Attribute)
        {
            var graphs = attr.G is null ? attr.Graphs : attr.Graphs.Append(attr.G);
            foreach (var g in graphs)
            {
                foreach (var n in g.Node)
                {
                    foreach (var input in n.Input) yield return input;
                    foreach (var inner in SubgraphReferences(n)) yield return inner;
                }
            }
        }
    }
}
