using Microsoft.ML.OnnxRuntime;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Extractor.Tests.Models;

/// <summary>Small random-weight convnets shaped like imported Keras models, and an ORT runner.</summary>
internal static class TinyNets
{
    public const int Size = 16;

    // image [N,H,W,3] -> NCHW -> conv1 (3x3, 4ch, relu) -> pool1 (2x2) -> conv2 (3x3, 6ch, relu) -> pool2
    // -> flatten -> dense (5); every Keras-style layer tagged in ModelInfo.Layers, tensor == name.
    public static ModelProto ConvNet(int seed = 1, bool tagged = true)
    {
        var rng = new Random(seed);
        var g = new GraphBuilder("tinynet");
        g.Input(ModelInfo.ImageInput, DataType.Float, "N", "H", "W", 3L);
        g.Node("Transpose", [ModelInfo.ImageInput], "input_layer", Attr.Ints("perm", 0, 3, 1, 2));
        Conv(g, rng, "input_layer", "conv1", 3, 4);
        g.Node("MaxPool", ["conv1"], "pool1", Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2));
        Conv(g, rng, "pool1", "conv2", 4, 6);
        g.Node("MaxPool", ["conv2"], "pool2", Attr.Ints("kernel_shape", 2, 2), Attr.Ints("strides", 2, 2));
        g.Node("Flatten", ["pool2"], "flatten", Attr.Int("axis", 1));
        int flat = 6 * (Size / 4) * (Size / 4);
        g.Initializer("dense/kernel", Random(rng, flat * 5), flat, 5);
        g.Initializer("dense/bias", Random(rng, 5), 5);
        g.Node("Gemm", ["flatten", "dense/kernel", "dense/bias"], "dense");
        g.Output("dense", DataType.Float, "N", 5L);
        // Shape hints for an upstream and a downstream tensor, so pruning of value_info is visible.
        g.Graph.ValueInfo.Add(GraphBuilder.ValueInfo("conv1", DataType.Float, "N", 4L, "H", "W"));
        g.Graph.ValueInfo.Add(GraphBuilder.ValueInfo("flatten", DataType.Float, "N", (long)flat));
        if (!tagged) return g.ToModel();
        var info = new ModelInfo
        {
            Arch = "tinynet", Weights = $"random:seed={seed}", RandomWeights = true, Preprocess = "none", InputSize = Size,
            Layers =
            [
                new("input_layer", "InputLayer", "input_layer", 0), new("conv1", "Conv2D", "conv1", 3 * 9 * 4 + 4),
                new("pool1", "MaxPooling2D", "pool1", 0), new("conv2", "Conv2D", "conv2", 4 * 9 * 6 + 6),
                new("pool2", "MaxPooling2D", "pool2", 0), new("flatten", "Flatten", "flatten", 0),
                new("dense", "Dense", "dense", flat * 5 + 5),
            ],
        };
        return g.ToModel(info.Entries().Select(e => KeyValuePair.Create(e.Key, e.Value)));
    }

    private static void Conv(GraphBuilder g, Random rng, string input, string name, int cin, int cout)
    {
        g.Initializer($"{name}/kernel", Random(rng, cout * cin * 9), cout, cin, 3, 3);
        g.Initializer($"{name}/bias", Random(rng, cout), cout);
        g.Node("Conv", [input, $"{name}/kernel", $"{name}/bias"], $"{name}/BiasAdd", Attr.Ints("pads", 1, 1, 1, 1));
        g.Node("Relu", [$"{name}/BiasAdd"], name);
    }

    public static float[] Random(Random rng, int n, float scale = 1f) =>
        Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale).ToArray();

    public static float[] Pixels(int seed, int count) =>
        Enumerable.Range(0, count).Select(_ => 0f).Select((_, i) => (float)new Random(seed + i).Next(0, 256)).ToArray();

    /// <summary>Runs a model on one float input and returns the requested tensors (made outputs if needed).</summary>
    public static Dictionary<string, (float[] Data, long[] Shape)> Run(ModelProto model, string input, float[] data, long[] shape, params string[] outputs)
    {
        var m = model.Clone();
        foreach (var o in outputs.Where(o => m.Graph.Output.All(x => x.Name != o)))
            m.Graph.Output.Add(new ValueInfoProto { Name = o });
        using var session = new InferenceSession(OnnxModelFile.ToBytes(m));
        using var value = OrtValue.CreateTensorValueFromMemory(data, shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [input], [value], outputs);
        var dict = new Dictionary<string, (float[], long[])>();
        for (int i = 0; i < outputs.Length; i++)
        {
            var info = results[i].GetTensorTypeAndShape();
            // float16 tensors are widened exactly, so tests can compare them with float32 outputs.
            float[] values = info.ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16
                ? results[i].GetTensorDataAsSpan<Float16>().ToArray().Select(h => (float)h).ToArray()
                : results[i].GetTensorDataAsSpan<float>().ToArray();
            dict[outputs[i]] = (values, info.Shape);
        }
        return dict;
    }

    /// <summary>NCHW -> NHWC, written plainly as the reference for the graph's Transpose.</summary>
    public static float[] ToNhwc(float[] x, long[] s)
    {
        long n = s[0], c = s[1], h = s[2], w = s[3];
        var y = new float[x.Length];
        for (long b = 0; b < n; b++) for (long k = 0; k < c; k++) for (long i = 0; i < h; i++) for (long j = 0; j < w; j++)
            y[((b * h + i) * w + j) * c + k] = x[((b * c + k) * h + i) * w + j];
        return y;
    }
}
