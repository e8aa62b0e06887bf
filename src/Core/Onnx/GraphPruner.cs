using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Onnx;

/// <summary>Removes whatever a graph's outputs do not need: nodes, initializers, value_info, inputs.</summary>
internal static class GraphPruner
{
    /// <summary>Keeps only the nodes the graph's current outputs depend on (walking backwards).</summary>
    public static void Prune(GraphProto graph)
    {
        var producer = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var n in graph.Node)
            foreach (var o in n.Output)
                if (o.Length > 0) producer[o] = n;

        var needed = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        var keep = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<string>(needed);
        while (stack.Count > 0)
        {
            string name = stack.Pop();
            if (!producer.TryGetValue(name, out var node) || !keep.Add(node)) continue;
            foreach (var input in node.Input.Concat(SubgraphInputs(node)))
                if (input.Length > 0 && needed.Add(input)) stack.Push(input);
        }

        var kept = graph.Node.Where(keep.Contains).ToList();
        graph.Node.Clear();
        graph.Node.AddRange(kept); // original order is already topological

        Filter(graph.Initializer, t => needed.Contains(t.Name));
        Filter(graph.ValueInfo, v => needed.Contains(v.Name));
        Filter(graph.Input, v => needed.Contains(v.Name));
    }

    // Names a node's subgraphs (If/Loop/Scan bodies) read from the enclosing scope.
    private static IEnumerable<string> SubgraphInputs(NodeProto node) =>
        node.Attribute.SelectMany(a => a.G is null ? a.Graphs : a.Graphs.Append(a.G))
            .SelectMany(g => g.Node.SelectMany(n => n.Input.Concat(SubgraphInputs(n))));

    private static void Filter<T>(Google.Protobuf.Collections.RepeatedField<T> items, Func<T, bool> keep)
    {
        var kept = items.Where(keep).ToList();
        items.Clear();
        items.AddRange(kept);
    }
}
