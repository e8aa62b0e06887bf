using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics.X86;
using MathNet.Numerics.LinearAlgebra.Single;
using OnnxTransfer.HeadTrainer.LinearAlgebra;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;

namespace OnnxTransfer.Bench.Head;

/// <summary>Results of <see cref="HeadQuickBench.Run"/>.</summary>
public sealed record HeadQuickResult(double ManagedGflops, double FastGflops, double Ratio, double EpochSeconds, int EpochRows, string Head);

/// <summary>
/// One-shot measurements (no BenchmarkDotNet warm-up statistics) for the end-to-end report:
/// (256 x 25088)(25088 x 1024) with MathNet's default managed provider and with the fast provider, and one
/// training epoch of mlp:1024,1024 on 2,000 x 25,088 random features.
/// </summary>
public static class HeadQuickBench
{
    public static HeadQuickResult Run(TextWriter output, int epochRows = 2000, string head = "mlp:1024,1024")
    {
        output.WriteLine($"CPU: {Environment.ProcessorCount} cores, AVX2 {Avx2.IsSupported}, FMA {Fma.IsSupported}");
        var a = HeadBenchData.Random(256, HeadBenchData.FeatureWidth, 1);
        var b = HeadBenchData.Random(HeadBenchData.FeatureWidth, 1024, 2);
        double flops = 2.0 * 256 * HeadBenchData.FeatureWidth * 1024;

        FastLinearAlgebraProvider.Uninstall();
        double managed = Time(() => a.Multiply(b), repeats: 1);
        FastLinearAlgebraProvider.Install();
        a.Multiply(b); // warm-up: JIT and thread pool
        double fast = Time(() => a.Multiply(b), repeats: 3);
        double managedGflops = flops / managed / 1e9, fastGflops = flops / fast / 1e9;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"SGEMM 256x25088 * 25088x1024: MathNet managed {managed:F3} s ({managedGflops:F1} GFLOP/s), fast provider {fast:F3} s ({fastGflops:F1} GFLOP/s), ratio {managed / fast:F1}x"));

        double epoch = EpochSeconds(epochRows, head);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"one epoch of {head} on {epochRows} x {HeadBenchData.FeatureWidth}: {epoch:F2} s"));
        return new HeadQuickResult(managedGflops, fastGflops, managed / fast, epoch, epochRows, head);
    }

    /// <summary>Seconds of one training epoch (training pass plus validation of a 20% split) on random features.</summary>
    public static double EpochSeconds(int rows, string head, int width = HeadBenchData.FeatureWidth) =>
        EpochSeconds(HeadBenchData.Features(rows, width), head);

    /// <summary>Seconds of one training epoch of <paramref name="head"/> on <paramref name="set"/> (run files go to a temp dir).</summary>
    public static double EpochSeconds(HeadTrainer.Data.FeatureSet set, string head)
    {
        string dir = Path.Combine(Path.GetTempPath(), "onnx-transfer-head-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = new Trainer(new TrainerOptions { Head = HeadSpec.Parse(head), Epochs = 1, BatchSize = 64 }).Train(set, dir);
            return result.History[0].Seconds;
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    private static double Time(Func<DenseMatrix> action, int repeats)
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

    private static double Time(Func<MathNet.Numerics.LinearAlgebra.Matrix<float>> action, int repeats) =>
        Time(() => (DenseMatrix)action(), repeats);
}
