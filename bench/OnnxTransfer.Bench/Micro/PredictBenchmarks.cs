using BenchmarkDotNet.Attributes;
using OnnxTransfer.Bench.Common;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Inference;
using OnnxTransfer.Models;

namespace OnnxTransfer.Bench.Micro;

/// <summary>
/// One prediction through <see cref="Predictor"/>: decode, backbone, then a one-layer Gemm+Softmax
/// head (random weights; the backbone dominates the cost).
/// </summary>
[Config(typeof(QuickConfig))]
public class PredictBenchmarks
{
    private Predictor? _predictor;
    private string _photo = "";

    public static IEnumerable<BenchModel> Models => [BenchModel.EfficientNetB0Avg, BenchModel.MobileNet025Random];

    [ParamsSource(nameof(Models))]
    public BenchModel Model { get; set; } = BenchModel.EfficientNetB0Avg;

    [GlobalSetup]
    public void Setup()
    {
        var backbone = Model.Build();
        var image = new ImageOptions { Size = ModelInfo.Read(backbone).InputSize };
        _predictor = Predictor.FromModels(backbone, BenchModel.TinyHead(backbone, 2), Model.Layer, ["ants", "bees"], image);
        _photo = PhotoSet.Get().Paths[0];
    }

    [Benchmark(Description = "Predict one photo file")]
    public float PredictOne() => _predictor!.Predict(_photo).Probabilities[0];

    [GlobalCleanup]
    public void Cleanup() => _predictor?.Dispose();
}
