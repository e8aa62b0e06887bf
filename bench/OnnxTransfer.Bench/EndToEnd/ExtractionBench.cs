using System.Diagnostics;
using OnnxTransfer.Bench.Common;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Runtime;
using OnnxTransfer.Features;
using OnnxTransfer.Models;

namespace OnnxTransfer.Bench.EndToEnd;

/// <summary>One model's end-to-end extraction rate next to ORT alone on the same graph, batch size and threads.</summary>
internal sealed record ExtractionResult(BenchModel Model, string Weights, long FeatureWidth, int Images, int OrtThreads, int DecodeWorkers,
                                      double EndToEnd, double OrtDefaults, double OrtAsExtractor, double OrtCpuMsPerImage, double WriteOnly,
                                      int Errors, string OutputDir)
{
    /// <summary>ORT alone, images/s: the faster of its two spin-wait settings.</summary>
    public double OrtOnly => Math.Max(OrtDefaults, OrtAsExtractor);

    /// <summary>End-to-end images/s over ORT-only images/s (1.0: the pipeline costs nothing beyond inference).</summary>
    public double Ratio => EndToEnd / OrtOnly;
}

/// <summary>
/// Times FeatureExtractor over a folder of photos to Parquet (scan, decode, resize, ORT, write: the
/// whole ExtractAsync call) against ORT alone running the same number of pre-decoded images in the
/// same batches, once with ORT's default session settings and once as the extractor sets its session up
/// (no spin-waiting, no memory pattern), the faster of the two being the reference. All are warmed up with two batches (ORT's
/// first two runs of a session grow its memory arena and are up to 2x slower), alternate within one
/// run, and the best of the repeats is kept.
/// </summary>
internal static class ExtractionBench
{
    public static async Task<ExtractionResult> RunAsync(BenchModel spec, int images, int threads, E2eOptions options, string workDir)
    {
        var photos = PhotoSet.Get();
        var model = spec.Build();
        var feature = ModelInfo.Read(model).Features[0];
        string input = photos.Materialize(Path.Combine(workDir, $"in-{images}"), images);
        string warmInput = photos.Materialize(Path.Combine(workDir, "warm-in"), Math.Min(images, 2 * options.BatchSize));
        string output = Path.Combine(workDir, "out-" + spec.Id.Replace('/', '-'));

        using var defaults = new OrtBackbone(model, options.BatchSize, new SessionSettings { Device = options.Device, Threads = threads });
        using var quiet = new OrtBackbone(model, options.BatchSize, AsExtractorRunsIt(options.Device, threads));
        foreach (var ort in new[] { defaults, quiet })
        {
            ort.FillWith(photos);
            ort.Time(2 * options.BatchSize);
        }
        using var extractor = new FeatureExtractor(model, new ExtractionOptions
        {
            ModelName = spec.Id, BatchSize = options.BatchSize, Threads = threads, Device = options.Device, Overwrite = true,
        });
        await Extract(extractor, warmInput, Path.Combine(workDir, "warm-out"));

        double bestDefaults = double.MaxValue, bestQuiet = double.MaxValue, bestE2e = double.MaxValue, ortCpu = 0;
        int errors = 0;
        for (int r = 0; r < options.Repeats; r++)
        {
            bestDefaults = Math.Min(bestDefaults, defaults.Time(images));
            // The process's CPU time across the ORT-only run set up as the extractor's: the work inference alone costs the machine.
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            double quietSeconds = quiet.Time(images);
            if (quietSeconds < bestQuiet) (bestQuiet, ortCpu) = (quietSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
            var run = await Extract(extractor, input, output);
            bestE2e = Math.Min(bestE2e, Checked(run, images));
            errors = run.Summary.Errors;
        }
        long width = feature.Shape.Aggregate(1L, (a, b) => a * b);
        double write = TimeWrite(feature.Layer, checked((int)width), quiet, images, Path.Combine(workDir, "write-alone.parquet"));
        return new ExtractionResult(spec, spec.WeightsLabel, width, images, extractor.OrtThreads, extractor.DecodeWorkers,
                                    images / bestE2e, images / bestDefaults, images / bestQuiet, ortCpu * 1000 / images, images / write, errors, output);
    }

    /// <summary>The session settings FeatureExtractor uses: no spin-waiting, no memory pattern.</summary>
    public static SessionSettings AsExtractorRunsIt(DeviceSpec device, int threads) =>
        new() { Device = device, Threads = threads, AllowSpinning = false, MemoryPattern = false };

    /// <summary>
    /// How much slower ORT alone runs on one thread while another thread spins on a second core (0.06: 6 %),
    /// the best of three alternating pairs: what a busy neighbour core costs inference on this machine.
    /// </summary>
    public static double NeighbourSlowdown(BenchModel spec, int images, E2eOptions options)
    {
        using var ort = new OrtBackbone(spec.Build(), options.BatchSize, new SessionSettings { Device = options.Device, Threads = 1 });
        ort.FillWith(PhotoSet.Get());
        ort.Time(2 * options.BatchSize);
        double alone = double.MaxValue, busy = double.MaxValue;
        for (int r = 0; r < 3; r++)
        {
            alone = Math.Min(alone, ort.Time(images));
            using var stop = new CancellationTokenSource();
            var spinner = new Thread(() => { while (!stop.IsCancellationRequested) Thread.SpinWait(100); }) { IsBackground = true };
            spinner.Start();
            busy = Math.Min(busy, ort.Time(images));
            stop.Cancel();
            spinner.Join();
        }
        return busy / alone - 1;
    }

    /// <summary>
    /// Seconds FeatureWriter alone takes for one shard of <paramref name="images"/> rows of real ORT
    /// outputs (compressibility matters to Snappy): the cost of the pipeline's last stage.
    /// </summary>
    private static double TimeWrite(string layer, int width, OrtBackbone ort, int images, string path)
    {
        var rows = new ShardRows([width], images);
        for (int i = 0; i < images; i++)
        {
            rows.Items.Add(new RowKey($"c/{i:D6}.jpg", "c", 0, ""));
            ort.Runner.Outputs[0].AsSpan(i % ort.Runner.BatchSize * width, width).CopyTo(rows.Features[0].AsSpan(i * width));
        }
        var writer = new FeatureWriter([layer], new Dictionary<string, string>());
        var clock = Stopwatch.StartNew();
        writer.Write(rows, path);
        double seconds = clock.Elapsed.TotalSeconds;
        File.Delete(path);
        return seconds;
    }

    /// <summary>The seconds of <paramref name="run"/>, after checking that each of the <paramref name="images"/> became a row or an error.</summary>
    public static double Checked((double Seconds, ExtractionSummary Summary) run, int images) =>
        run.Summary.RowsWritten + run.Summary.Errors == images ? run.Seconds
            : throw new InvalidOperationException($"extraction wrote {run.Summary.RowsWritten} rows and {run.Summary.Errors} errors for {images} images");

    /// <summary>One fresh extraction (the output folder is emptied first so nothing is resumed); returns its wall time.</summary>
    public static async Task<(double Seconds, ExtractionSummary Summary)> Extract(FeatureExtractor extractor, string input, string output)
    {
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        var clock = Stopwatch.StartNew();
        var summary = await extractor.ExtractAsync(input, output);
        return (clock.Elapsed.TotalSeconds, summary);
    }

    /// <summary>The same over photos already listed (a subset of a scanned folder); the listing is not timed.</summary>
    public static async Task<(double Seconds, ExtractionSummary Summary)> Extract(FeatureExtractor extractor, InputSet inputs, string output)
    {
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        var clock = Stopwatch.StartNew();
        var summary = await extractor.ExtractAsync(inputs, output);
        return (clock.Elapsed.TotalSeconds, summary);
    }
}
