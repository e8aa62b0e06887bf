using System.Diagnostics;
using OnnxTransfer.Bench.Common;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Inference;
using OnnxTransfer.Models;

namespace OnnxTransfer.Bench.EndToEnd;

public sealed record PredictResult(BenchModel Model, string Weights, int Repeats, double P50Ms, double P99Ms, int BatchImages, int BatchSize, double BatchRate);

/// <summary>
/// Predictor latency for one photo file (decode, backbone, head), warm, over many repeats; and its
/// throughput over a list of files (PredictFiles: parallel decode, batched runs). The head is one
/// Gemm+Softmax with random weights: the backbone dominates the cost.
/// </summary>
public static class PredictBench
{
    private const int Warmup = 5;

    public static PredictResult Run(BenchModel spec, E2eOptions options, int batchImages)
    {
        var photos = PhotoSet.Get().Paths;
        var backbone = spec.Build();
        var image = new ImageOptions { Size = ModelInfo.Read(backbone).InputSize };
        var predictorOptions = new PredictorOptions { Threads = options.Threads, Device = options.Device };
        using var predictor = Predictor.FromModels(backbone, BenchModel.TinyHead(backbone, 2), spec.Layer, ["ants", "bees"], image, predictorOptions);

        for (int i = 0; i < Warmup; i++) predictor.Predict(photos[i % photos.Count]);
        var ms = new double[options.LatencyRepeats];
        for (int i = 0; i < ms.Length; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            predictor.Predict(photos[i % photos.Count]);
            ms[i] = (Stopwatch.GetTimestamp() - t0) * 1000.0 / Stopwatch.Frequency;
        }
        Array.Sort(ms);

        var files = Enumerable.Range(0, batchImages).Select(i => photos[i % photos.Count]).ToList();
        var clock = Stopwatch.StartNew();
        int predicted = predictor.PredictFiles(files).Count(r => r.Prediction is not null);
        double rate = predicted / clock.Elapsed.TotalSeconds;
        return new PredictResult(spec, spec.WeightsLabel, ms.Length, Percentile(ms, 0.50), Percentile(ms, 0.99), batchImages, predictorOptions.BatchSize, rate);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
