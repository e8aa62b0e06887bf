using System.Buffers.Binary;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using Xunit;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Core.Tests.Onnx;

/// <summary>What GraphBuilder writes is checked by ONNX Runtime (loads, runs, reports shapes) and against a naive computation.</summary>
public class GraphBuilderTests
{
    private static readonly float[] W = [0.5f, -1f, 2f, 1.5f, 0.25f, -0.75f, -2f, 1f, 0f, 3f, -0.5f, 0.125f]; // [4, 3], used transposed
    private static readonly float[] C = [0.1f, -0.2f, 0.3f, -4f];
    private static readonly float[] S = [1f, -2f, 3f, 0.5f];
    private static readonly float[] K = [10f, 20f, 30f];

    /// <summary>
    /// x [batch, 3] -> Gemm (alpha, beta, transB) -> LeakyRelu -> Mul by a Constant (value_floats) -> Transpose -> Pad (edge) = p [5, batch];
    /// x + Constant (a tensor attribute) = z [batch, 3]. Every attribute kind Attr makes is used once.
    /// </summary>
    private static ModelProto SmallModel()
    {
        var g = new GraphBuilder("small");
        string x = g.Input("x", DataType.Float, "batch", 3L);
        string w = g.Initializer("w", W, 4, 3);
        string c = g.Initializer("c", C, 4);
        string h = g.Node("Gemm", [x, w, c], "h", Attr.Float("alpha", 0.5f), Attr.Float("beta", 2f), Attr.Int("transB", 1));
        string a = g.Node("LeakyRelu", [h], "a", Attr.Float("alpha", 0.1f));
        string s = g.Node("Constant", [], "s", Attr.Floats("value_floats", S));
        string m = g.Node("Mul", [a, s], "m");
        string t = g.Node("Transpose", [m], "t", Attr.Ints("perm", 1, 0));
        string pads = g.InitializerInt64("pads", [1, 0, 0, 0], 4);
        g.Node("Pad", [t, pads], "p", Attr.String("mode", "edge"));
        g.Output("p", DataType.Float, 5L, "batch");
        string k = g.Node("Constant", [], "k", Attr.Tensor("value", TensorData.FromFloats("k_value", K, 3)));
        g.Node("Add", [x, k], "z");
        g.Output("z", DataType.Float, "batch", 3); // an int dimension, which ValueInfo also takes
        return g.ToModel([new("purpose", "test"), new("empty", "")]);
    }

    /// <summary>SmallModel computed by hand, in the plainest loops.</summary>
    private static (float[] P, float[] Z) Naive(float[] x, int batch)
    {
        var t = new float[4 * batch];
        for (int n = 0; n < batch; n++)
            for (int j = 0; j < 4; j++)
            {
                double sum = 0;
                for (int i = 0; i < 3; i++) sum += x[n * 3 + i] * W[j * 3 + i];
                double h = 0.5 * sum + 2 * C[j];
                double a = h >= 0 ? h : 0.1 * h;
                t[j * batch + n] = (float)(a * S[j]);
            }
        var p = new float[5 * batch];
        for (int n = 0; n < batch; n++) p[n] = t[n]; // edge padding repeats the first row
        Array.Copy(t, 0, p, batch, 4 * batch);
        var z = new float[batch * 3];
        for (int n = 0; n < batch; n++)
            for (int i = 0; i < 3; i++) z[n * 3 + i] = x[n * 3 + i] + K[i];
        return (p, z);
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * Math.Max(1f, Math.Abs(expected[i])), $"{what}[{i}]: {actual[i]}, expected {expected[i]}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void A_built_graph_runs_on_onnx_runtime_and_gives_the_naive_numbers(int batch)
    {
        var rng = new Random(batch);
        var x = Enumerable.Range(0, batch * 3).Select(_ => (float)(rng.NextDouble() * 8 - 4)).ToArray();
        var outputs = Ort.Run(SmallModel(), ("x", x, [batch, 3]));
        var (p, z) = Naive(x, batch);
        Assert.Equal([5, batch], outputs["p"].Shape);
        Assert.Equal([batch, 3], outputs["z"].Shape);
        AssertClose(p, outputs["p"].Data, "p");
        AssertClose(z, outputs["z"].Data, "z");
    }

    [Fact]
    public void The_model_carries_the_opset_ir_version_producer_and_metadata()
    {
        var model = SmallModel();
        Assert.Equal(8, model.IrVersion);
        Assert.Equal(17, model.OpsetImport.Single(o => o.Domain == "").Version);
        using var session = Ort.Load(model);
        var meta = session.ModelMetadata;
        Assert.Equal("onnx-transfer", meta.ProducerName);
        Assert.Equal("small", meta.GraphName);
        Assert.Equal("test", meta.CustomMetadataMap["purpose"]);
        Assert.Equal("", meta.CustomMetadataMap["empty"]);
        Assert.Equal(2, meta.CustomMetadataMap.Count);
    }

    [Fact]
    public void Symbolic_and_fixed_dimensions_reach_onnx_runtime()
    {
        using var session = Ort.Load(SmallModel());
        var x = session.InputMetadata["x"];
        Assert.Equal([-1, 3], x.Dimensions);
        Assert.Equal(["batch", ""], x.SymbolicDimensions);
        Assert.Equal(typeof(float), x.ElementType);
        Assert.Equal([5, -1], session.OutputMetadata["p"].Dimensions);
        Assert.Equal(["", "batch"], session.OutputMetadata["p"].SymbolicDimensions);
        Assert.Equal([-1, 3], session.OutputMetadata["z"].Dimensions);
        // Initializers are not inputs (IR 4+): ORT lists only x.
        Assert.Equal(["x"], session.InputMetadata.Keys);
    }

    [Fact]
    public void Value_infos_hold_symbolic_and_fixed_dimensions_and_refuse_other_kinds()
    {
        var v = GraphBuilder.ValueInfo("v", DataType.Int64, "n", 7, 8L);
        Assert.Equal("v", v.Name);
        Assert.Equal((int)DataType.Int64, v.Type.TensorType.ElemType);
        var dims = v.Type.TensorType.Shape.Dim;
        Assert.Equal(3, dims.Count);
        Assert.Equal(TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam, dims[0].ValueCase);
        Assert.Equal("n", dims[0].DimParam);
        Assert.Equal(TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue, dims[1].ValueCase);
        Assert.Equal(7, dims[1].DimValue);
        Assert.Equal(8, dims[2].DimValue);
        // A scalar has a shape with no dimensions, not a missing shape (which would mean "unknown rank").
        Assert.NotNull(GraphBuilder.ValueInfo("s", DataType.Float).Type.TensorType.Shape);
        var e = Assert.Throws<ArgumentException>(() => GraphBuilder.ValueInfo("bad", DataType.Float, 2.5));
        Assert.Contains("2.5", e.Message);
    }

    [Fact]
    public void Initializers_hold_their_dims_type_and_little_endian_data()
    {
        float[] floats = [1.5f, -0f, float.Epsilon, 3e38f, -7f, 0.1f];
        long[] longs = [long.MinValue, -1, 0, 1L << 40, long.MaxValue];
        var g = new GraphBuilder("init");
        g.Initializer("f", floats, 2, 3);
        g.InitializerInt64("i", longs, 5);

        var f = g.Graph.Initializer.Single(t => t.Name == "f");
        Assert.Equal((int)DataType.Float, f.DataType);
        Assert.Equal([2L, 3L], f.Dims);
        var expected = new byte[floats.Length * 4];
        for (int k = 0; k < floats.Length; k++) BinaryPrimitives.WriteSingleLittleEndian(expected.AsSpan(k * 4), floats[k]);
        Assert.Equal(expected, f.RawData.ToByteArray());
        Assert.Empty(f.FloatData);

        var i = g.Graph.Initializer.Single(t => t.Name == "i");
        Assert.Equal((int)DataType.Int64, i.DataType);
        Assert.Equal([5L], i.Dims);
        expected = new byte[longs.Length * 8];
        for (int k = 0; k < longs.Length; k++) BinaryPrimitives.WriteInt64LittleEndian(expected.AsSpan(k * 8), longs[k]);
        Assert.Equal(expected, i.RawData.ToByteArray());
        Assert.Empty(i.Int64Data);

        // ONNX Runtime reads them back as the same values and shapes.
        g.Node("Identity", ["f"], "f_out");
        g.Node("Identity", ["i"], "i_out");
        g.Output("f_out", DataType.Float, 2L, 3L);
        g.Output("i_out", DataType.Int64, 5L);
        using var session = Ort.Load(g.ToModel());
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [], [], ["f_out", "i_out"]);
        Assert.Equal([2L, 3L], results[0].GetTensorTypeAndShape().Shape);
        Assert.Equal(Ort.Bits(floats), Ort.Bits(results[0].GetTensorDataAsSpan<float>().ToArray()));
        Assert.Equal(longs, results[1].GetTensorDataAsSpan<long>().ToArray());
    }
}
