using BenchmarkDotNet.Attributes;
using OnnxTransfer.Features;

namespace OnnxTransfer.Bench.Head;

/// <summary>One epoch of mlp:1024,1024 (batch 64, Adam) on 2,000 x 25,088 random features, validation and run files included.</summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class EpochBenchmarks
{
    private FeatureSet _set = null!;

    [GlobalSetup]
    public void Setup() => _set = HeadBenchData.Features(2000);

    [Benchmark]
    public double MlpEpoch() => HeadQuickBench.EpochSeconds(_set, "mlp:1024,1024")[0];
}
