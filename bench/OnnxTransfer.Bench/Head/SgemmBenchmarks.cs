using BenchmarkDotNet.Attributes;
using MathNet.Numerics.Providers.LinearAlgebra;
using OnnxTransfer.HeadTrainer.LinearAlgebra;

namespace OnnxTransfer.Bench.Head;

/// <summary>
/// (256 x 25088)(25088 x 1024): MathNet's managed provider vs our SIMD SGEMM (Vector512 where AVX-512 is accelerated,
/// else Vector256) (goal >= 10x). Both are called directly on the same arrays, as the head calls them: nothing is
/// installed as MathNet's process-wide provider.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class SgemmBenchmarks
{
    private const int M = 256, K = HeadBenchData.FeatureWidth, N = 1024;
    private float[] _a = null!, _b = null!, _c = null!;

    [GlobalSetup]
    public void Setup()
    {
        _a = HeadBenchData.Random(M, K, 1).Values;
        _b = HeadBenchData.Random(K, N, 2).Values;
        _c = new float[M * N];
    }

    [Benchmark(Baseline = true)]
    public float[] MathNetManaged()
    {
        ManagedLinearAlgebraProvider.Instance.MatrixMultiply(_a, M, K, _b, K, N, _c);
        return _c;
    }

    [Benchmark]
    public float[] SimdSgemm()
    {
        Sgemm.Multiply(false, false, M, N, K, 1f, _a, M, _b, K, 0f, _c, M);
        return _c;
    }
}
