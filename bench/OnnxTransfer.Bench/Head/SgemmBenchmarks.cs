using BenchmarkDotNet.Attributes;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Single;
using OnnxTransfer.HeadTrainer.LinearAlgebra;

namespace OnnxTransfer.Bench.Head;

/// <summary>(256 x 25088)(25088 x 1024): MathNet's default managed provider vs the SIMD SGEMM provider (Vector512 where AVX-512 is accelerated, else Vector256) (goal >= 10x).</summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class SgemmBenchmarks
{
    private DenseMatrix _a = null!, _b = null!;

    [GlobalSetup]
    public void Setup()
    {
        _a = HeadBenchData.Random(256, HeadBenchData.FeatureWidth, 1);
        _b = HeadBenchData.Random(HeadBenchData.FeatureWidth, 1024, 2);
    }

    [Benchmark(Baseline = true)]
    public Matrix<float> MathNetManaged()
    {
        FastLinearAlgebraProvider.Uninstall();
        return _a.Multiply(_b);
    }

    [Benchmark]
    public Matrix<float> FastProvider()
    {
        FastLinearAlgebraProvider.Install();
        return _a.Multiply(_b);
    }
}
