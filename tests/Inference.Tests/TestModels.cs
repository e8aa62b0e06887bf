using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Inference.Tests;

/// <summary>Tiny backbone and head graphs with random weights, shaped like the real ones.</summary>
internal static class TestModels
{
    public const int Size = 8, Channels = 4, Classes = 3;

    public static int FeatureWidth => Size / 2 * (Size / 2) * Channels;

    // image [N,8,8,3] -> NCHW -> Conv 3x3 stride 2 (4 channels) -> Relu -> NHWC output "features.conv" [N,4,4,4],
    // plus a second pooled output so pruning has something to remove.
    public static ModelProto Backbone(Random rng)
    {
        var g = new GraphBuilder("backbone");
        g.Input("image", DataType.Float, "N", (long)Size, (long)Size, 3L);
        string nchw = g.Node("Transpose", ["image"], "nchw", Attr.Ints("perm", 0, 3, 1, 2));
        string w = g.Initializer("w", RandomArray(rng, Channels * 3 * 9), Channels, 3, 3, 3);
        string b = g.Initializer("b", RandomArray(rng, Channels), Channels);
        string conv = g.Node("Conv", [nchw, w, b], "conv/BiasAdd", Attr.Ints("pads", 1, 1, 1, 1), Attr.Ints("strides", 2, 2));
        string relu = g.Node("Relu", [conv], "conv");
        g.Node("Transpose", [relu], "features.conv", Attr.Ints("perm", 0, 2, 3, 1));
        string pooled = g.Node("GlobalAveragePool", [relu], "pooled");
        g.Node("Flatten", [pooled], "features.pooled", Attr.Int("axis", 1));
        g.Output("features.conv", DataType.Float, "N", 4L, 4L, (long)Channels);
        g.Output("features.pooled", DataType.Float, "N", (long)Channels);
        var info = new ModelInfo
        {
            Arch = "test", Weights = "random:seed=0", RandomWeights = true, Preprocess = "none", InputSize = Size,
            Features = [new FeatureOutput("conv", "features.conv", "none", [4, 4, Channels]), new FeatureOutput("pooled", "features.pooled", "avg", [Channels])],
        };
        return g.ToModel(info.Entries().Select(e => KeyValuePair.Create(e.Key, e.Value)));
    }

    public static ModelProto Head(Random rng, int width)
    {
        var g = new GraphBuilder("head");
        g.Input("features", DataType.Float, "N", (long)width);
        string w = g.Initializer("dense/kernel", RandomArray(rng, width * Classes), width, Classes);
        string b = g.Initializer("dense/bias", RandomArray(rng, Classes), Classes);
        string logits = g.Node("Gemm", ["features", w, b], "dense");
        g.Node("Softmax", [logits], "probabilities", Attr.Int("axis", 1));
        g.Output("probabilities", DataType.Float, "N", (long)Classes);
        return g.ToModel();
    }

    public static float[] RandomArray(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();


    /// <summary>Runs the backbone alone with ORT: n images -> n x FeatureWidth features (NHWC, flattened).</summary>
    public static float[] RunBackbone(ModelProto backbone, float[] images, int n)
    {
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(OnnxModelFile.ToBytes(backbone));
        var tensor = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(images, [n, Size, Size, 3]);
        using var results = session.Run([Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("image", tensor)], ["features.conv"]);
        return results[0].AsEnumerable<float>().ToArray();
    }
}
