using System.Diagnostics;
using OnnxTransfer.Bench.Common;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Runtime;

namespace OnnxTransfer.Bench.EndToEnd;

/// <summary>
/// One model's extraction with one session of <paramref name="Threads"/> ORT threads and with that many
/// single-threaded sessions side by side (<see cref="ExtractionOptions.Sessions"/>), images/s, and ORT alone both ways.
/// </summary>
public sealed record SessionsResult(BenchModel Model, int Images, int Threads, double OneSession, double ManySessions,
                                    double OrtOneSession, double OrtManySessions)
{
    /// <summary>How much faster extraction runs with the sessions side by side.</summary>
    public double Speedup => ManySessions / OneSession;
}

/// <summary>
/// Times extraction with one multi-threaded ORT session against the same thread count split into
/// single-threaded sessions on different batches, next to ORT alone in both layouts (pre-decoded images,
/// same batches; the one-session reference is the faster of ORT's default settings and the extractor's). Everything is
/// warmed up first, the four alternate within each repeat, and the best of the repeats is kept.
/// </summary>
public static class SessionsBench
{
    public static async Task<SessionsResult> RunAsync(BenchModel spec, int images, int threads, E2eOptions options, string workDir)
    {
        var photos = PhotoSet.Get();
        var model = spec.Build();
        string input = photos.Materialize(Path.Combine(workDir, $"in-{images}"), images);
        // Two batches for every session: a session's first runs grow ORT's memory arena and are several times slower.
        string warm = photos.Materialize(Path.Combine(workDir, "warm-sessions"), 2 * threads * options.BatchSize);
        string output = Path.Combine(workDir, "out-sessions");
        OrtBackbone Ort(int t, bool ortDefaults) => new(model, options.BatchSize,
            ortDefaults ? new SessionSettings { Device = options.Device, Threads = t } : ExtractionBench.AsExtractorRunsIt(options.Device, t));
        var one = new[] { Ort(threads, ortDefaults: true), Ort(threads, ortDefaults: false) };
        var many = Enumerable.Range(0, threads).Select(_ => Ort(1, ortDefaults: false)).ToArray();
        try
        {
            foreach (var ort in one.Concat(many))
            {
                ort.FillWith(photos);
                ort.Time(2 * options.BatchSize);
            }
            ExtractionOptions Options(int sessions) => new()
            {
                ModelName = spec.Id, BatchSize = options.BatchSize, Threads = threads, Sessions = sessions, Device = options.Device, Overwrite = true,
            };
            using var oneExtractor = new FeatureExtractor(model, Options(1));
            using var manyExtractor = new FeatureExtractor(model, Options(threads));
            await ExtractionBench.Extract(oneExtractor, warm, output);
            await ExtractionBench.Extract(manyExtractor, warm, output);

            double ortOne = double.MaxValue, ortMany = double.MaxValue, extractOne = double.MaxValue, extractMany = double.MaxValue;
            for (int r = 0; r < options.Repeats; r++)
            {
                foreach (var ort in one) ortOne = Math.Min(ortOne, ort.Time(images));
                ortMany = Math.Min(ortMany, TimeSideBySide(many, images));
                extractOne = Math.Min(extractOne, ExtractionBench.Checked(await ExtractionBench.Extract(oneExtractor, input, output), images));
                extractMany = Math.Min(extractMany, ExtractionBench.Checked(await ExtractionBench.Extract(manyExtractor, input, output), images));
            }
            return new SessionsResult(spec, images, threads, images / extractOne, images / extractMany, images / ortOne, images / ortMany);
        }
        finally
        {
            foreach (var ort in one.Concat(many)) ort.Dispose();
        }
    }

    /// <summary>Seconds for the sessions to run <paramref name="images"/> in batches between them, batch k on session k mod n, all at once.</summary>
    private static double TimeSideBySide(OrtBackbone[] sessions, int images)
    {
        int batch = sessions[0].Runner.BatchSize, batches = (images + batch - 1) / batch;
        var clock = Stopwatch.StartNew();
        var threads = sessions.Select((ort, i) => new Thread(() =>
        {
            for (int b = i; b < batches; b += sessions.Length) ort.Runner.Run(Math.Min(batch, images - b * batch));
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        return clock.Elapsed.TotalSeconds;
    }
}
