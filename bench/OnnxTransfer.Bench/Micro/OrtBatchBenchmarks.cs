using BenchmarkDotNet.Attributes;
using OnnxTransfer.Bench.Common;
using OnnxTransfer.Extractor.Runtime;

namespace OnnxTransfer.Bench.Micro;

/// <summary>
/// One ONNX Runtime run of a batch of <see cref="BatchSize"/> decoded photos through each truncated
/// backbone (random weights: timing only). ORT picks its thread count (one per core).
/// </summary>
[Config(typeof(QuickConfig))]
public class OrtBatchBenchmarks : IDisposable
{
    public const int BatchSize = 8;
    private OrtBackbone? _backbone;

    public static IEnumerable<BenchModel> Models => BenchModel.Micro;

    [ParamsSource(nameof(Models))]
    public BenchModel Model { get; set; } = BenchModel.EfficientNetB0Avg;

    [GlobalSetup]
    public void Setup()
    {
        _backbone = new OrtBackbone(Model.Build(), BatchSize, new SessionSettings());
        _backbone.FillWith(PhotoSet.Get());
    }

    [Benchmark(Description = "ORT batch of 8 (random weights)")]
    public void RunBatch() => _backbone!.Runner.Run(BatchSize);

    [GlobalCleanup]
    public void Dispose()
    {
        _backbone?.Dispose();
        _backbone = null;
        GC.SuppressFinalize(this);
    }
}
