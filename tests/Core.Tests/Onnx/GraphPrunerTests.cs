using Google.Protobuf;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using Xunit;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Core.Tests.Onnx;

/// <summary>GraphPruner keeps exactly what the outputs need (listed by hand per graph), and the pruned graph computes the same.</summary>
public class GraphPrunerTests
{
    private static readonly float[] X = [1f, -2f, 3f, -4f, 5f, -6f];

    /// <summary>
    /// Live: a = x * w1, b = a + w1 (w1 shared by two live nodes), y = Relu(b).
    /// Dead: d1 = u * w2 (an input only the dead branch reads), d2 = a + w2 (reads a live node), d3 = d2 * w1 (reads a live initializer);
    /// w3 is read by nothing. value_info for a live (a) and a dead (d2) tensor.
    /// </summary>
    private static GraphBuilder Branches()
    {
        var g = new GraphBuilder("branches");
        g.Input("x", DataType.Float, "n", 3L);
        g.Input("u", DataType.Float, "n", 3L);
        g.Initializer("w1", [0.5f, 2f, -1f], 3);
        g.Initializer("w2", [7f, 8f, 9f], 3);
        g.Initializer("w3", [1f], 1);
        g.Node("Mul", ["x", "w1"], "a");
        g.Node("Mul", ["u", "w2"], "d1");
        g.Node("Add", ["a", "w1"], "b");
        g.Node("Add", ["a", "w2"], "d2");
        g.Node("Mul", ["d2", "w1"], "d3");
        g.Node("Relu", ["b"], "y");
        g.Output("y", DataType.Float, "n", 3L);
        g.Graph.ValueInfo.Add(GraphBuilder.ValueInfo("a", DataType.Float, "n", 3L));
        g.Graph.ValueInfo.Add(GraphBuilder.ValueInfo("d2", DataType.Float, "n", 3L));
        return g;
    }

    private static string[] Names(IEnumerable<string> names) => [.. names];

    [Fact]
    public void Pruning_keeps_only_what_the_outputs_need()
    {
        var graph = Branches().Graph;
        GraphPruner.Prune(graph);
        Assert.Equal(["a", "b", "y"], Names(graph.Node.Select(n => n.Name))); // in their original order
        Assert.Equal(["w1"], Names(graph.Initializer.Select(t => t.Name)));
        Assert.Equal(["x"], Names(graph.Input.Select(i => i.Name)));
        Assert.Equal(["a"], Names(graph.ValueInfo.Select(v => v.Name)));
        Assert.Equal(["y"], Names(graph.Output.Select(o => o.Name)));
    }

    [Fact]
    public void The_pruned_graph_runs_and_gives_the_same_outputs()
    {
        var builder = Branches();
        var original = builder.ToModel();
        var pruned = original.Clone();
        GraphPruner.Prune(pruned.Graph);
        // The original needs u fed (ORT requires every graph input); the pruned one no longer has it.
        var before = Ort.Run(original, ("x", X, [2, 3]), ("u", new float[6], [2, 3]))["y"];
        var after = Ort.Run(pruned, ("x", X, [2, 3]))["y"];
        Assert.Equal(Ort.Bits(before.Data), Ort.Bits(after.Data));
        Assert.Equal(before.Shape, after.Shape);
        // And both are what the live branch computes: relu(x * w1 + w1).
        float[] w1 = [0.5f, 2f, -1f];
        Assert.Equal(X.Select((v, i) => Math.Max(0f, v * w1[i % 3] + w1[i % 3])).ToArray(), after.Data);
    }

    [Fact]
    public void Two_outputs_keep_the_union_of_their_branches_and_an_output_may_be_an_input()
    {
        var g = Branches();
        g.Output("d3", DataType.Float, "n", 3L);
        g.Output("x", DataType.Float, "n", 3L);
        var graph = g.Graph;
        GraphPruner.Prune(graph);
        Assert.Equal(["a", "b", "d2", "d3", "y"], Names(graph.Node.Select(n => n.Name)));
        Assert.Equal(["w1", "w2"], Names(graph.Initializer.Select(t => t.Name)));
        Assert.Equal(["x"], Names(graph.Input.Select(i => i.Name)));
        Assert.Equal(["a", "d2"], Names(graph.ValueInfo.Select(v => v.Name)));

        var outputs = Ort.Run(g.ToModel(), ("x", X, [2, 3]));
        Assert.Equal(X, outputs["x"].Data);
        Assert.Equal(3, outputs.Count);
    }

    [Fact]
    public void A_node_with_several_outputs_is_kept_for_one_and_empty_optional_inputs_are_ignored()
    {
        var g = new GraphBuilder("split");
        g.Input("x", DataType.Float, 4L);
        g.InitializerInt64("sizes", [1, 3], 2);
        g.Initializer("unused", [0f], 1);
        g.Node("Split", ["x", "sizes"], ["first", "rest"]);
        g.Node("Clip", ["rest", "", "max"], "clipped"); // no min: the empty name means "absent", not a tensor called ""
        g.Initializer("max", [2f], []);
        g.Node("Neg", ["first"], "dead");
        g.Node("Dropout", ["x"], ["dead_drop", ""]); // an absent mask output: not a producer of the Clip's absent min
        g.Output("clipped", DataType.Float, 3L);
        GraphPruner.Prune(g.Graph);
        Assert.Equal(["first", "clipped"], Names(g.Graph.Node.Select(n => n.Name)));
        Assert.Equal(["sizes", "max"], Names(g.Graph.Initializer.Select(t => t.Name)));
        Assert.Equal([-3f, 2f, 2f], Ort.Run(g.ToModel(), ("x", [9f, -3f, 4f, 5f], [4]))["clipped"].Data);
    }

    [Fact]
    public void Tensors_read_only_inside_a_subgraph_keep_their_producers()
    {
        // y = If(cond) then Identity(s) else Neg(t), where s = Relu(x) and t = Abs(x) are read only by the branches.
        var g = new GraphBuilder("if");
        g.Input("x", DataType.Float, 3L);
        var cond = new TensorProto { Name = "cond", DataType = (int)DataType.Bool, RawData = ByteString.CopyFrom((byte)1) };
        g.Graph.Initializer.Add(cond);
        g.Node("Relu", ["x"], "s");
        g.Node("Abs", ["x"], "t");
        g.Node("Sigmoid", ["x"], "dead");
        g.Node("If", ["cond"], "y", GraphAttr("then_branch", Branch("then", "Identity", "s")), GraphAttr("else_branch", Branch("else", "Neg", "t")));
        g.Output("y", DataType.Float, 3L);
        GraphPruner.Prune(g.Graph);
        Assert.Equal(["s", "t", "y"], Names(g.Graph.Node.Select(n => n.Name)));
        Assert.Equal(["cond"], Names(g.Graph.Initializer.Select(t => t.Name)));
        Assert.Equal([0f, 2f, 0f], Ort.Run(g.ToModel(), ("x", [-1f, 2f, -3f], [3]))["y"].Data);
    }

    // Attr has no graph-valued constructor (nothing in the tool builds an If), so the test makes its own.
    private static AttributeProto GraphAttr(string name, GraphProto graph) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Graph, G = graph };

    private static GraphProto Branch(string name, string op, string outer)
    {
        var b = new GraphBuilder(name);
        b.Node(op, [outer], name + "_out");
        b.Output(name + "_out", DataType.Float, 3L);
        return b.Graph;
    }
}
