using System.Reflection;
using MathNet.Numerics.LinearAlgebra.Single;
using MathNet.Numerics.Providers.LinearAlgebra;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.HeadTrainer.LinearAlgebra;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.HeadTrainer.Tests;

/// <summary>The head's GEMM backends (<see cref="IGemm"/>) and how heads and the trainer are given one.</summary>
public class GemmTests
{
    private static float[] Random(Rng rng, int n) => Enumerable.Range(0, n).Select(_ => (float)rng.NextGaussian()).ToArray();

    private static TrainerOptions Options(GemmBackend gemm) => new()
    {
        Head = HeadSpec.Parse("mlp:24"), Epochs = 3, BatchSize = 16, LearningRate = 0.01f, Patience = 0, Dropout = 0.3f, TopK = 2, Gemm = gemm,
    };

    [Fact]
    public void Both_backends_match_a_double_precision_triple_loop_on_dense_arrays()
    {
        var rng = new Rng(3);
        const int m = 37, n = 11, k = 290; // k crosses Sgemm's 256 block
        foreach (var gemm in new IGemm[] { Gemm.For(GemmBackend.Simd), MathNetGemm.Managed })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    float[] a = Random(rng, m * k), b = Random(rng, k * n), c0 = Random(rng, m * n), c = (float[])c0.Clone();
                    const float alpha = -0.75f, beta = 0.5f;
                    gemm.Multiply(ta, tb, m, n, k, alpha, a, b, beta, c);
                    for (int j = 0; j < n; j++)
                        for (int i = 0; i < m; i++)
                        {
                            double sum = 0, magnitude = 0;
                            for (int p = 0; p < k; p++)
                            {
                                double term = (double)(ta ? a[p + i * k] : a[i + p * m]) * (tb ? b[j + p * n] : b[p + j * k]);
                                sum += term;
                                magnitude += Math.Abs(term);
                            }
                            double expected = alpha * sum + beta * (double)c0[i + j * m];
                            // The float32 worst-case bound of SgemmTests, for any summation order: 2 (k + 4) u sum |terms|.
                            double tolerance = 2 * (k + 4) / (double)(1 << 24) * (Math.Abs(alpha) * magnitude + Math.Abs(beta * c0[i + j * m]));
                            Assert.True(Math.Abs(c[i + j * m] - expected) <= tolerance, $"{gemm} ta={ta} tb={tb} ({i},{j}): {c[i + j * m]} vs {expected}");
                        }
                }
    }

    [Fact]
    public void The_MathNet_backend_uses_the_managed_provider_where_no_OpenBLAS_provider_loads()
    {
        // This project references no MathNet.Numerics.Providers.OpenBLAS, and NuGet has its native library for
        // Windows only, so the probe finds nothing here; where it loads, the backend is native OpenBLAS.
        var provider = MathNetGemm.Preferred.Provider;
        if (Type.GetType("MathNet.Numerics.Providers.OpenBLAS.LinearAlgebra.OpenBlasLinearAlgebraControl, MathNet.Numerics.Providers.OpenBLAS") is null)
            Assert.Same(ManagedLinearAlgebraProvider.Instance, provider);
        else
            Assert.True(provider is ManagedLinearAlgebraProvider || provider.ToString()!.Contains("OpenBLAS"), provider.ToString());
        Assert.Same(MathNetGemm.Preferred, Gemm.For(GemmBackend.MathNet));
    }

    /// <summary>Forwards to the SIMD backend, counting calls.</summary>
    private sealed class CountingGemm : IGemm
    {
        public int Calls;

        public void Multiply(bool transA, bool transB, int m, int n, int k, float alpha, float[] a, float[] b, float beta, float[] c)
        {
            Calls++;
            Gemm.Simd.Multiply(transA, transB, m, n, k, alpha, a, b, beta, c);
        }
    }

    [Fact]
    public void A_head_computes_every_product_with_the_gemm_it_was_built_with()
    {
        var counting = new CountingGemm();
        var spec = HeadSpec.Parse("mlp:8");
        var head = new DenseHead(spec, 5, 3, LossKind.Softmax, 0.2f, new Rng(1), counting);
        var reference = new DenseHead(spec, 5, 3, LossKind.Softmax, 0.2f, new Rng(1)); // the public default: Simd
        var x = new DenseMatrix(5, 4, Random(new Rng(2), 20));
        var logits = head.Logits(x, training: true, new Rng(3));
        Assert.Equal(2, counting.Calls); // one forward product per dense layer
        head.Backward(logits);
        Assert.Equal(5, counting.Calls); // dW for both, dX for the logits layer only: the first layer's input needs no gradient

        var expected = reference.Logits(x, training: true, new Rng(3));
        reference.Backward(expected);
        Assert.Equal(expected.Values, logits.Values);
        Assert.Equal(reference.Parameters.Select(p => p.Grad), head.Parameters.Select(p => p.Grad));
    }

    [Fact]
    public void Simd_is_the_default_and_the_MathNet_backend_trains_nearly_the_same_head()
    {
        Assert.Equal(GemmBackend.Simd, new TrainerOptions().Gemm);
        using var data = new TempDir();
        SyntheticFeatures.Write(data.Path, 60, 10, 3);
        var set = FeatureSet.Load(data.Path);
        using var simdRun = new TempDir();
        using var mathNetRun = new TempDir();
        var simd = new Trainer(Options(GemmBackend.Simd)).Train(set, simdRun.Path);
        var mathNet = new Trainer(Options(GemmBackend.MathNet)).Train(set, mathNetRun.Path);
        // Same seed, same data: the heads differ only by the rounding of their products, compounded over 12 steps.
        foreach (var (s, m) in simd.Head.Parameters.Zip(mathNet.Head.Parameters))
            for (int i = 0; i < s.Value.Length; i++)
                Assert.True(Math.Abs(s.Value[i] - m.Value[i]) <= 1e-4f * (1 + Math.Abs(s.Value[i])), $"{s.Name}[{i}]: Simd {s.Value[i]} vs MathNet {m.Value[i]}");
        // head.json records which backend trained the head.
        Assert.Equal(GemmBackend.MathNet, HeadSidecar.Load(mathNetRun.Path).Training.Gemm);
        Assert.Equal(GemmBackend.Simd, HeadSidecar.Load(simdRun.Path).Training.Gemm);
    }
}

/// <summary>Alone, not beside other tests: it replaces MathNet's process-wide provider for its duration.</summary>
[CollectionDefinition(nameof(MathNetGlobalProvider), DisableParallelization = true)]
public sealed class MathNetGlobalProvider;

[Collection(nameof(MathNetGlobalProvider))]
public class MathNetGlobalProviderTests
{
    /// <summary>MathNet's managed provider behind a proxy that counts every call made through it.</summary>
    public class CountingProvider : DispatchProxy
    {
        private int _calls;

        public int Calls { get => Volatile.Read(ref _calls); set => Volatile.Write(ref _calls, value); }

        public static (ILinearAlgebraProvider Provider, CountingProvider Counter) Create()
        {
            var proxy = DispatchProxy.Create<ILinearAlgebraProvider, CountingProvider>();
            return (proxy, (CountingProvider)(object)proxy);
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            Interlocked.Increment(ref _calls);
            try
            {
                return targetMethod!.Invoke(ManagedLinearAlgebraProvider.Instance, args);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw e.InnerException;
            }
        }
    }

    [Theory]
    [InlineData(GemmBackend.Simd)]
    [InlineData(GemmBackend.MathNet)]
    public void Training_neither_replaces_nor_uses_MathNet_global_provider(GemmBackend gemm)
    {
        var original = LinearAlgebraControl.Provider;
        var (sentinel, counter) = CountingProvider.Create();
        LinearAlgebraControl.Provider = sentinel;
        try
        {
            counter.Calls = 0; // setting the provider called its InitializeVerify
            using var data = new TempDir();
            using var run = new TempDir();
            SyntheticFeatures.Write(data.Path, 40, 6, 2);
            new Trainer(new TrainerOptions { Head = HeadSpec.Parse("bn-dropout"), Epochs = 2, BatchSize = 8, Gemm = gemm })
                .Train(FeatureSet.Load(data.Path), run.Path);
            Assert.Same(sentinel, LinearAlgebraControl.Provider);
            Assert.Equal(0, counter.Calls);
        }
        finally
        {
            LinearAlgebraControl.Provider = original;
        }
    }
}
