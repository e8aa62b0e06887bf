using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using Xunit;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Core.Tests.Onnx;

/// <summary>Tensor names in a GraphBuilder graph are unique: Unique finds fresh ones and reusing one is refused.</summary>
public class GraphNamesTests
{
    [Fact]
    public void Unique_returns_the_stem_when_free_and_the_next_free_suffix_otherwise()
    {
        var g = new GraphBuilder("names");
        g.Input("x", DataType.Float, 2L);
        Assert.Equal("y", g.Unique("y"));
        Assert.Equal("x_1", g.Unique("x"));
        g.Node("Relu", ["x"], "x_1");
        g.Initializer("x_2", [1f, 2f], 2);
        Assert.Equal("x_3", g.Unique("x"));
        Assert.True(g.Has("x") && g.Has("x_1") && g.Has("x_2"));
        Assert.False(g.Has("x_3"));
    }

    [Fact]
    public void Reusing_a_name_for_a_node_output_or_an_initializer_is_refused()
    {
        var g = new GraphBuilder("dupes");
        g.Input("x", DataType.Float, 2L);
        g.Initializer("w", [1f, 2f], 2);
        g.Node("Mul", ["x", "w"], "m");
        foreach (var reuse in new Action[]
                 {
                     () => g.Node("Relu", ["x"], "m"),
                     () => g.Node("Relu", ["x"], "x"),
                     () => g.Node("Relu", ["x"], "w"),
                     () => g.Initializer("m", [1f], 1),
                     () => g.InitializerInt64("w", [1L], 1),
                 })
        {
            var e = Assert.Throws<InvalidOperationException>(reuse);
            Assert.Contains("already used in graph 'dupes'", e.Message);
        }
        Assert.Single(g.Graph.Node);
        Assert.Single(g.Graph.Initializer);
    }

    [Fact]
    public void A_wrapped_graph_knows_its_inputs_initializers_and_node_outputs()
    {
        var graph = new GraphProto { Name = "existing" };
        graph.Input.Add(GraphBuilder.ValueInfo("in", DataType.Float, 1L));
        graph.Initializer.Add(TensorData.FromFloats("weight", [1f], 1));
        var node = new NodeProto { OpType = "Split", Name = "split" };
        node.Input.Add("in");
        node.Output.AddRange(["left", "right"]);
        graph.Node.Add(node);

        var g = new GraphBuilder(graph);
        foreach (var name in new[] { "in", "weight", "left", "right" })
        {
            Assert.True(g.Has(name), name);
            Assert.Equal(name + "_1", g.Unique(name));
        }
        Assert.Throws<InvalidOperationException>(() => g.Node("Relu", ["in"], "right"));
    }

    [Fact]
    public void A_chain_named_by_Unique_loads_and_runs_on_onnx_runtime()
    {
        // 51 nodes all asking for "neg": ORT refuses a graph with two producers of one name, and runs this one.
        var g = new GraphBuilder("chain");
        string t = g.Input("x", DataType.Float, "n");
        for (int i = 0; i < 51; i++) t = g.Node("Neg", [t], g.Unique("neg"));
        Assert.Equal("neg_50", t);
        Assert.Equal(52, g.Graph.Node.SelectMany(n => n.Output).Append("x").Distinct().Count());
        g.Output(t, DataType.Float, "n");
        var outputs = Ort.Run(g.ToModel(), ("x", [1f, -2f, 0.5f], [3]));
        Assert.Equal([-1f, 2f, -0.5f], outputs[t].Data); // an odd number of negations
    }
}
