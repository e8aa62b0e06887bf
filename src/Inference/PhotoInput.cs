using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Inference;

/// <summary>
/// Puts the tool's resize in front of a classifier graph, so it takes a decoded photo of any size: uint8 [N,H,W,3]
/// -> (centre crop: Slice of the largest centred square, offsets rounded down, from the dynamic Shape) -> float ->
/// ONNX Resize to [N,S,S,3] -> the backbone. Float conversion comes before the resize, as in <see cref="ImageOptions"/>'s
/// pipeline. The Resize attributes are those whose definition equals the tool's <c>Resampler</c> (TF2 tf.image.resize,
/// half-pixel centres, no antialias): linear clamps its source coordinate to the image as TF does; nearest takes
/// floor((o + 0.5) * in / out), which is round_prefer_ceil of the half-pixel coordinate; cubic is Keys a = -0.5 with
/// the taps outside the image dropped and the rest renormalised (exclude_outside). Area, which Resize has no mode for, is
/// <see cref="AreaResize"/>.
/// </summary>
internal static class PhotoInput
{
    /// <summary>The first opset whose Resize has coordinate_transformation_mode (half_pixel) and cubic_coeff_a.</summary>
    public const int MinimumOpset = 11;

    private const string Prefix = "photo/";

    /// <summary>Why <paramref name="image"/>'s resize cannot be put in a graph exactly, or null when it can.</summary>
    public static string? Unsupported(ImageOptions image, long opset) =>
        image.Interpolation switch
        {
            _ when PilResampler.Handles(image.Interpolation) =>
                $"`Interpolation` {OptionNames.Name(image.Interpolation)} is Pillow's resize, whose filter widens with the reduction and rounds to bytes in fixed point, which ONNX Resize does not do",
            _ when opset < MinimumOpset => $"the backbone uses ONNX opset {opset}, and Resize's half-pixel mode needs opset {MinimumOpset}; raising the backbone's opset could change what its other nodes compute",
            _ => null,
        };

    /// <summary>Rewires <paramref name="graph"/>'s float image input to the output of the crop-and-resize nodes, put first.</summary>
    public static void Prepend(GraphProto graph, ImageOptions image)
    {
        var builder = new GraphBuilder(graph);
        int existing = graph.Node.Count;
        string resized = builder.Unique(Prefix + "resized");
        foreach (var node in graph.Node)
            for (int i = 0; i < node.Input.Count; i++)
                if (node.Input[i] == ModelInfo.ImageInput) node.Input[i] = resized;
        var old = graph.Input.First(i => i.Name == ModelInfo.ImageInput);
        graph.Input.Remove(old);
        graph.Input.Insert(0, GraphBuilder.ValueInfo(ModelInfo.ImageInput, DataType.Uint8, "N", "H", "W", 3L));
        graph.Input[0].DocString = "Decoded photo(s), RGB, upright, uint8 [N,H,W,3]; N photos of the same H and W.";

        string pixels = ModelInfo.ImageInput;
        if (image.Resize == ResizeMode.CenterCrop) pixels = CenterSquare(builder, pixels);
        string floats = builder.Node("Cast", [pixels], builder.Unique(Prefix + "float"), Attr.Int("to", (long)DataType.Float));
        // Resize works on NCHW here: ONNX Runtime's cubic resizes only the two innermost axes.
        string nchw = builder.Node("Transpose", [floats], builder.Unique(Prefix + "nchw"), Attr.Ints("perm", 0, 3, 1, 2));
        string scaled = image.Interpolation == Interpolation.Area ? AreaResize.Append(builder, nchw, image.Size) : Resize(builder, nchw, image);
        builder.Node("Transpose", [scaled], resized, Attr.Ints("perm", 0, 2, 3, 1));

        // Graph nodes must be in topological order: the new ones, appended by the builder, go first.
        var added = graph.Node.Skip(existing).ToList();
        for (int i = 0; i < added.Count; i++)
        {
            graph.Node.Remove(added[i]);
            graph.Node.Insert(i, added[i]);
        }
    }

    private static string Resize(GraphBuilder builder, string nchw, ImageOptions image)
    {
        string shape = builder.Node("Shape", [nchw], builder.Unique(Prefix + "shape"));
        string batchChannels = builder.Node("Slice", [shape, Constant(builder, "zero", 0), Constant(builder, "two", 2)], builder.Unique(Prefix + "n_c"));
        string sizes = builder.Node("Concat", [batchChannels, Constant(builder, "size", image.Size, image.Size)], builder.Unique(Prefix + "sizes"), Attr.Int("axis", 0));
        // roi and scales are empty: opsets 11 and 12 require the inputs, later ones accept them empty when sizes is given.
        string empty = builder.Initializer(builder.Unique(Prefix + "empty"), ReadOnlySpan<float>.Empty, 0);
        return builder.Node("Resize", [nchw, empty, empty, sizes], builder.Unique(Prefix + "resize"), ResizeAttributes(image.Interpolation));
    }

    private static AttributeProto[] ResizeAttributes(Interpolation interpolation) => interpolation switch
    {
        Interpolation.Bilinear => [Attr.String("mode", "linear"), Attr.String("coordinate_transformation_mode", "half_pixel")],
        Interpolation.Nearest => [Attr.String("mode", "nearest"), Attr.String("coordinate_transformation_mode", "half_pixel"),
                                  Attr.String("nearest_mode", "round_prefer_ceil")],
        Interpolation.Bicubic => [Attr.String("mode", "cubic"), Attr.String("coordinate_transformation_mode", "half_pixel"),
                                  Attr.Float("cubic_coeff_a", -0.5f), Attr.Int("exclude_outside", 1)],
        _ => throw new ArgumentOutOfRangeException(nameof(interpolation)),
    };

    // The largest centred square (Resampler.CenterCrop for a square target): side min(H, W), offsets (H - side) / 2
    // and (W - side) / 2 rounded down, which int64 Div does for these non-negative values.
    private static string CenterSquare(GraphBuilder builder, string image)
    {
        string shape = builder.Node("Shape", [image], builder.Unique(Prefix + "photo_shape"));
        string hw = builder.Node("Slice", [shape, Constant(builder, "one", 1), Constant(builder, "three", 3)], builder.Unique(Prefix + "h_w"));
        string side = builder.Node("ReduceMin", [hw], builder.Unique(Prefix + "side"), Attr.Int("keepdims", 1));
        string spare = builder.Node("Sub", [hw, side], builder.Unique(Prefix + "spare"));
        string starts = builder.Node("Div", [spare, Constant(builder, "half", 2)], builder.Unique(Prefix + "crop_start"));
        string ends = builder.Node("Add", [starts, side], builder.Unique(Prefix + "crop_end"));
        return builder.Node("Slice", [image, starts, ends, Constant(builder, "hw_axes", 1, 2)], builder.Unique(Prefix + "square"));
    }

    private static string Constant(GraphBuilder builder, string name, params long[] values) =>
        builder.InitializerInt64(builder.Unique(Prefix + name), values, values.Length);
}
