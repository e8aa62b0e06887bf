using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OnnxTransfer.Bench.Common;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Runtime;

namespace OnnxTransfer.Bench.EndToEnd;

/// <summary>A fresh process's first ORT runs of one model (milliseconds each) and the memory they took.</summary>
public sealed record ColdRuns(double ReadyMs, double[] RunMs, double PeakMiB);

/// <summary>A fresh process's first and second extraction over the same photos, images/s.</summary>
public sealed record ColdExtraction(double ReadyMs, double First, double Second);

/// <summary>
/// What a new process pays before ONNX Runtime runs at full speed: each measurement runs in a child process
/// of this benchmark (a warm process would hide it), which builds the model, then times the session's
/// creation (with the output-shape probe the extractor also does) and its first batches one by one, and
/// reads its peak memory above what it held before (VmHWM reset). Also a fresh FeatureExtractor's first
/// extraction against its second.
/// </summary>
public static class ColdStartBench
{
    public const string ChildVerb = "cold-start-child";

    /// <summary>What glibc's malloc is told to do with large blocks so that they get transparent huge pages (glibc 2.35+).</summary>
    public const string HugePagesTunable = "glibc.malloc.hugetlb=1";

    /// <summary>Where transparent huge pages are used on this machine ("always", "madvise", "never"), or null when unknown.</summary>
    public static string? TransparentHugePages()
    {
        try { return File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled").Split(' ').FirstOrDefault(w => w.StartsWith('['))?.Trim('[', ']', '\n'); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>
    /// ORT's first <paramref name="runs"/> batches in a fresh process, memory pattern on (ORT's default) or off (the
    /// extractor's), and with glibc's malloc asking for huge pages (<see cref="HugePagesTunable"/>) or not.
    /// </summary>
    public static ColdRuns Runs(BenchModel spec, bool memoryPattern, bool hugePages, int runs, E2eOptions options) =>
        Child<ColdRuns>(hugePages, spec.Id, "runs", memoryPattern ? "on" : "off", runs.ToString(CultureInfo.InvariantCulture), options.BatchSize.ToString(CultureInfo.InvariantCulture));

    /// <summary>A fresh FeatureExtractor (default settings) over <paramref name="images"/> photos, twice.</summary>
    public static ColdExtraction Extraction(BenchModel spec, int images, bool hugePages, E2eOptions options) =>
        Child<ColdExtraction>(hugePages, spec.Id, "extract", images.ToString(CultureInfo.InvariantCulture), options.BatchSize.ToString(CultureInfo.InvariantCulture));

    private static T Child<T>(bool hugePages, params string[] args)
    {
        string self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (hugePages) start.Environment["GLIBC_TUNABLES"] = HugePagesTunable;
        // Under `dotnet OnnxTransfer.Bench.dll` the process is the dotnet host, which needs the assembly first.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(ColdStartBench).Assembly.Location);
        start.ArgumentList.Add(ChildVerb);
        foreach (string a in args) start.ArgumentList.Add(a);
        using var child = Process.Start(start)!;
        var error = child.StandardError.ReadToEndAsync();
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0) throw new InvalidOperationException($"{ChildVerb} {string.Join(' ', args)} failed ({child.ExitCode}): {error.Result}");
        return JsonSerializer.Deserialize<T>(output.Trim().Split('\n')[^1])!;
    }

    /// <summary>The child's side: measures and prints one JSON line.</summary>
    public static async Task<int> RunChildAsync(string[] args)
    {
        var spec = new[] { BenchModel.EfficientNetB0Avg, BenchModel.Vgg19Block2, BenchModel.Vgg19Block5, BenchModel.MobileNet025Real }.Single(m => m.Id == args[0]);
        var model = spec.Build();
        var photos = PhotoSet.Get();
        int batch = int.Parse(args[^1], CultureInfo.InvariantCulture);
        if (args[1] == "runs")
        {
            int runs = int.Parse(args[3], CultureInfo.InvariantCulture);
            GC.Collect();
            long floor = Process.GetCurrentProcess().WorkingSet64;
            using var peak = PeakMemory.Start();
            var clock = Stopwatch.StartNew();
            using var ort = new OrtBackbone(model, batch, new SessionSettings { AllowSpinning = false, MemoryPattern = args[2] == "on" });
            double ready = clock.Elapsed.TotalMilliseconds;
            ort.FillWith(photos);
            var times = new double[runs];
            for (int i = 0; i < runs; i++) times[i] = ort.Time(batch) * 1000;
            Console.WriteLine(JsonSerializer.Serialize(new ColdRuns(ready, times, (peak.PeakBytes() - floor) / 1048576.0)));
        }
        else
        {
            int images = int.Parse(args[2], CultureInfo.InvariantCulture);
            string work = Directory.CreateTempSubdirectory("onnx-transfer-cold-").FullName;
            try
            {
                string input = photos.Materialize(Path.Combine(work, "in"), images);
                var clock = Stopwatch.StartNew();
                using var extractor = new FeatureExtractor(model, new ExtractionOptions { ModelName = spec.Id, BatchSize = batch, Overwrite = true });
                double ready = clock.Elapsed.TotalMilliseconds;
                var (first, _) = await ExtractionBench.Extract(extractor, input, Path.Combine(work, "out"));
                var (second, _) = await ExtractionBench.Extract(extractor, input, Path.Combine(work, "out"));
                Console.WriteLine(JsonSerializer.Serialize(new ColdExtraction(ready, images / first, images / second)));
            }
            finally { Directory.Delete(work, recursive: true); }
        }
        return 0;
    }
}
