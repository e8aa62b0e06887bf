using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics.X86;
using MathNet.Numerics.Providers.LinearAlgebra;
using OnnxTransfer.Bench.Peers;
using OnnxTransfer.HeadTrainer.LinearAlgebra;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;

namespace OnnxTransfer.Bench.Head;

/// <summary>Results of <see cref="HeadQuickBench.Run"/>; epoch times are the warm ones (<see cref="HeadQuickBench.Warm"/>).</summary>
public sealed record HeadQuickResult(double ManagedGflops, double FastGflops, double Ratio, double EpochSeconds, int EpochRows, string Head, TorchEpochs Torch)
{
    /// <summary>Our epoch time over PyTorch's (goal: at most 1), or null when the peer did not run.</summary>
    public double? TorchRatio => Torch.Warm is { } torch ? EpochSeconds / torch : null;
}

/// <summary>
/// One-shot measurements (no BenchmarkDotNet warm-up statistics) for the end-to-end report:
/// (256 x 25088)(25088 x 1024) with MathNet's managed provider and with our SGEMM, and a
/// training epoch of mlp:1024,1024 on 2,000 x 25,088 random features, ours and PyTorch's on the same rows.
/// </summary>
public static class HeadQuickBench
{
    /// <summary>Epochs per timed run: the first carries JIT compilation (ours) and thread-pool and allocator start-up (both).</summary>
    public const int TimedEpochs = 3;

    /// <summary>
    /// The warm epoch time: the fastest after the first, the same estimator for ours and PyTorch's. A single epoch
    /// varies by 20 % or more with load from other programs on a shared machine; the best of two rarely does.
    /// </summary>
    public static double Warm(IReadOnlyList<double> epochSeconds) => epochSeconds.Count > 1 ? epochSeconds.Skip(1).Min() : epochSeconds[0];

    public static HeadQuickResult Run(TextWriter output, int epochRows = 2000, string head = "mlp:1024,1024")
    {
        output.WriteLine($"CPU: {Environment.ProcessorCount} cores, AVX2 {Avx2.IsSupported}, FMA {Fma.IsSupported}, AVX-512F {Avx512F.IsSupported}");
        const int m = 256, k = HeadBenchData.FeatureWidth, n = 1024;
        var a = HeadBenchData.Random(m, k, 1).Values;
        var b = HeadBenchData.Random(k, n, 2).Values;
        var c = new float[m * n];
        double flops = 2.0 * m * k * n;

        // Both called directly, as the head calls its GEMM: MathNet's process-wide provider is not touched.
        double managed = Time(() => ManagedLinearAlgebraProvider.Instance.MatrixMultiply(a, m, k, b, k, n, c), repeats: 1);
        void Fast() => Sgemm.Multiply(false, false, m, n, k, 1f, a, m, b, k, 0f, c, m);
        Fast(); // warm-up: JIT and thread pool
        double fast = Time(Fast, repeats: 3);
        double managedGflops = flops / managed / 1e9, fastGflops = flops / fast / 1e9;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"SGEMM 256x25088 * 25088x1024: MathNet managed {managed:F3} s ({managedGflops:F1} GFLOP/s), our SGEMM {fast:F3} s ({fastGflops:F1} GFLOP/s), ratio {managed / fast:F1}x"));

        var set = HeadBenchData.Features(epochRows);
        var options = Options(head, TimedEpochs);
        var ours = EpochSeconds(set, options);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch of {head} on {epochRows} x {HeadBenchData.FeatureWidth}, batch {options.BatchSize}: {Warm(ours):F2} s warm (best of epochs 2-{ours.Length}; epoch 1 {ours[0]:F2} s)"));
        var torch = TorchPeer.Run(set, options);
        var result = new HeadQuickResult(managedGflops, fastGflops, managed / fast, Warm(ours), epochRows, head, torch);
        output.WriteLine(torch.Problem ?? string.Create(CultureInfo.InvariantCulture,
            $"PyTorch {torch.Version} CPU, {torch.Threads} threads, glibc malloc keeping freed memory, same rows and val split: {torch.Warm:F2} s warm (epoch 1 {torch.Seconds[0]:F2} s); ours / PyTorch {result.TorchRatio:F2}x (goal <= 1.0)"));
        return result;
    }

    /// <summary>
    /// Seconds of each of <paramref name="epochs"/> training epochs (training pass plus validation of a 20% split) of
    /// <paramref name="head"/> on <paramref name="set"/> (run files go to a temp dir).
    /// </summary>
    public static IReadOnlyList<double> EpochSeconds(Features.FeatureSet set, string head, int epochs = 1) =>
        EpochSeconds(set, Options(head, epochs));

    /// <summary>Trainer defaults (Adam, lr 1e-3, dropout 0.5, 20% validation split) at batch 64, for us and the PyTorch peer alike.</summary>
    private static TrainerOptions Options(string head, int epochs) => new() { Head = HeadSpec.Parse(head), Epochs = epochs, BatchSize = 64 };

    private static double[] EpochSeconds(Features.FeatureSet set, TrainerOptions options)
    {
        string dir = Path.Combine(Path.GetTempPath(), "onnx-transfer-head-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            return new Trainer(options).Train(set, dir).History.Select(h => h.Seconds).ToArray();
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    private static double Time(Action action, int repeats)
    {
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }
}
