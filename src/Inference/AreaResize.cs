using OnnxTransfer.Onnx;

namespace OnnxTransfer.Inference;

/// <summary>
/// The tool's area resize (each output pixel the overlap-weighted mean of the source box [o * in / out, (o + 1) * in / out)
/// it covers, on each axis) in ONNX ops, which Resize has no mode for: the weights of both axes are computed from the
/// photo's dynamic size as matrices, w[o, i] = max(0, min(hi, i + 1) - max(lo, i)) / scale, and the image is
/// Wy · X · Wxᵀ. Dense, so it costs H x W x S x 3 multiply-adds (3.4 G for a 2592x1944 photo to 224, 0.13 G for 500x375).
/// </summary>
internal static class AreaResize
{
    private const string Prefix = "photo/area/";

    /// <summary>Resizes <paramref name="nchw"/> (float [N,3,H,W]) to [N,3,size,size].</summary>
    public static string Append(GraphBuilder builder, string nchw, int size)
    {
        string shape = builder.Node("Shape", [nchw], builder.Unique(Prefix + "shape"));
        string rows = builder.Node("MatMul", [Weights(builder, shape, 2, size), nchw], builder.Unique(Prefix + "rows"));
        string columns = builder.Node("Transpose", [Weights(builder, shape, 3, size)], builder.Unique(Prefix + "wx_t"), Attr.Ints("perm", 1, 0));
        return builder.Node("MatMul", [rows, columns], builder.Unique(Prefix + "resized"));
    }

    // [size, n] weights for the axis of length n = shape[axis].
    private static string Weights(GraphBuilder b, string shape, long axis, int size)
    {
        string Node(string op, string stem, params string[] inputs) => b.Node(op, inputs, b.Unique(Prefix + stem));
        string Scalar(string stem, float v) => b.Initializer(b.Unique(Prefix + stem), [v]);
        string Shape2(string stem, long rows, long cols) => b.InitializerInt64(b.Unique(Prefix + stem), [rows, cols], 2);

        string index = b.InitializerInt64(b.Unique(Prefix + "axis"), [axis]);
        string n = b.Node("Cast", [Node("Gather", "n", shape, index)], b.Unique(Prefix + "n_float"), Attr.Int("to", (long)Onnx.Proto.TensorProto.Types.DataType.Float));
        string zero = Scalar("zero", 0), one = Scalar("one", 1), outSize = Scalar("out", size);
        string scale = Node("Div", "scale", n, outSize);
        string o = Node("Reshape", "o", Node("Range", "outputs", zero, outSize, one), Shape2("column", -1, 1));
        string i = Node("Reshape", "i", Node("Range", "inputs", zero, n, one), Shape2("row", 1, -1));
        // As the tool computes them: lo = o * scale, hi = (o + 1) * scale.
        string lo = Node("Mul", "lo", o, scale), hi = Node("Mul", "hi", Node("Add", "o_next", o, one), scale);
        string overlap = Node("Sub", "overlap", Node("Min", "end", hi, Node("Add", "i_next", i, one)), Node("Max", "start", lo, i));
        return Node("Div", "weights", Node("Relu", "kept", overlap), scale);
    }
}
