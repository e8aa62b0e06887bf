using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Inference;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Bench.Common;

/// <summary>
/// A backbone truncated at one layer, as the benchmarks run it. Random weights unless
/// <see cref="WeightsFile"/> names a file in ../shared/models that is present; weight values do not
/// change the timing, and reports label random ones "random weights (timing only)".
/// </summary>
public sealed record BenchModel(string Id, KerasArch Arch, double Alpha, string Layer, PoolMode Pool, string? WeightsFile = null)
{
    /// <summary>Seed of the reproducible random weights.</summary>
    public const int Seed = 42;

    /// <summary>EfficientNetB0 at top_activation, global average pooled (1280 features).</summary>
    public static BenchModel EfficientNetB0Avg { get; } = new("efficientnetb0-avg", KerasArch.EfficientNetB0, 1.0, "top_activation", PoolMode.Avg);

    /// <summary>VGG19 at block2_pool, unpooled (56x56x128 = 401,408 features: a heavy output).</summary>
    public static BenchModel Vgg19Block2 { get; } = new("vgg19-block2_pool", KerasArch.Vgg19, 1.0, "block2_pool", PoolMode.None);

    /// <summary>VGG19 at block5_pool, unpooled (7x7x512 = 25,088 features; about 20 GFLOP per image).</summary>
    public static BenchModel Vgg19Block5 { get; } = new("vgg19-block5_pool", KerasArch.Vgg19, 1.0, "block5_pool", PoolMode.None);

    /// <summary>MobileNet v1 alpha 0.25 at conv_pw_13_relu, average pooled (256 features), random weights.</summary>
    public static BenchModel MobileNet025Random { get; } = new("mobilenet0.25-avg", KerasArch.MobileNet, 0.25, "conv_pw_13_relu", PoolMode.Avg);

    /// <summary>The same with the real Keras ImageNet weights from ../shared, when present.</summary>
    public static BenchModel MobileNet025Real { get; } = MobileNet025Random with { WeightsFile = "mobilenet_2_5_224_tf_no_top.h5" };

    /// <summary>The models the micro-benchmarks run (all random weights).</summary>
    public static IReadOnlyList<BenchModel> Micro { get; } = [EfficientNetB0Avg, Vgg19Block2, Vgg19Block5, MobileNet025Random];

    /// <summary>True when the real weights are asked for and present.</summary>
    public bool HasRealWeights => WeightsFile is not null && SharedFiles.Model(WeightsFile) is not null;

    /// <summary>"real Keras ImageNet weights" or "random weights (timing only)", as the built model has.</summary>
    public string WeightsLabel => HasRealWeights
        ? $"real Keras ImageNet weights ({WeightsFile})"
        : WeightsFile is null ? "random weights (timing only)" : $"random weights (timing only; {WeightsFile} not found in ../shared)";

    /// <summary>The id (short, for BenchmarkDotNet's parameter column).</summary>
    public override string ToString() => Id;

    /// <summary>Id, layer and pooling, for reports.</summary>
    public string Title => $"{Id} ({Layer}, pool {Pool.ToString().ToLowerInvariant()})";

    /// <summary>Imports (or builds with random weights) and truncates the model.</summary>
    internal ModelProto Build()
    {
        var options = new KerasImportOptions { Alpha = Alpha };
        var full = HasRealWeights
            ? KerasImporter.Import(SharedFiles.Model(WeightsFile!)!, Arch, options).Proto
            : KerasImporter.RandomWeights(Arch, options, Seed).Proto;
        return GraphTruncator.Truncate(full, [Layer], Pool);
    }

    /// <summary>
    /// A one-dense-layer head (Gemm + Softmax) over this model's features with random weights: enough
    /// for prediction latency, which the backbone dominates. Input/output names are the trainer's.
    /// </summary>
    internal static ModelProto TinyHead(ModelProto backbone, int classes)
    {
        var feature = ModelInfo.Read(backbone).Features[0];
        long width = feature.Shape.Aggregate(1L, (a, b) => a * b);
        var rng = new Random(Seed);
        float[] Random(long n) => Enumerable.Range(0, checked((int)n)).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.1f).ToArray();
        var g = new GraphBuilder("bench_head");
        g.Input(ChainExporter.HeadInput, DataType.Float, "N", width);
        string w = g.Initializer("dense/kernel", Random(width * classes), width, classes);
        string b = g.Initializer("dense/bias", Random(classes), classes);
        string logits = g.Node("Gemm", [ChainExporter.HeadInput, w, b], "dense");
        g.Node("Softmax", [logits], ChainExporter.HeadOutput, Attr.Int("axis", 1));
        g.Output(ChainExporter.HeadOutput, DataType.Float, "N", (long)classes);
        return g.ToModel();
    }
}
