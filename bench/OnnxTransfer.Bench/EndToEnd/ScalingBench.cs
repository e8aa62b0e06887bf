using OnnxTransfer.Bench.Common;
using OnnxTransfer.Extractor.Extraction;

namespace OnnxTransfer.Bench.EndToEnd;

public sealed record ScalingRow(int Multiple, int Images, double Seconds, long PeakBytes, long LiveHeapBytes)
{
    public double ImagesPerSecond => Images / Seconds;
}

/// <summary>
/// The same extraction over 1x, 4x and 16x copies of one set of photos (files of their own), so only the
/// count changes, with the peak resident memory of each row: time should grow linearly, memory stay flat.
/// </summary>
public static class ScalingBench
{
    public static async Task<(List<ScalingRow> Rows, string MemoryMethod)> RunAsync(BenchModel spec, E2eOptions options, string workDir)
    {
        var photos = PhotoSet.Get();
        var model = spec.Build();
        using var extractor = new FeatureExtractor(model, new ExtractionOptions
        {
            ModelName = spec.Id, BatchSize = options.BatchSize, Threads = options.Threads, Device = options.Device, Overwrite = true,
        });
        string output = Path.Combine(workDir, "scaling-out");
        await ExtractionBench.Extract(extractor, photos.Materialize(Path.Combine(workDir, "warm-in"), options.BatchSize), output);

        var rows = new List<ScalingRow>();
        string method = "";
        foreach (int multiple in new[] { 1, 4, 16 })
        {
            int images = options.ScalingBase * multiple;
            string input = photos.Materialize(Path.Combine(workDir, $"scaling-{images}"), images, distinct: options.ScalingBase);
            // Start each row from the same floor: earlier rows' garbage is not this row's memory.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            using var peak = PeakMemory.Start();
            var (seconds, _) = await ExtractionBench.Extract(extractor, input, output);
            rows.Add(new ScalingRow(multiple, images, seconds, peak.PeakBytes(), GC.GetTotalMemory(forceFullCollection: true)));
            method = peak.Method;
        }
        return (rows, method);
    }
}
