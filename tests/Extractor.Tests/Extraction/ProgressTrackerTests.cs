using System.Diagnostics;
using OnnxTransfer.Extractor.Extraction;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Extraction;

/// <summary>The rate and time left of a resumed extraction come from the images this run processed, not those done before.</summary>
public class ProgressTrackerTests
{
    [Fact]
    public void A_resumed_run_estimates_from_its_own_rate()
    {
        var reports = new List<ExtractionProgress>();
        var outer = Stopwatch.StartNew();
        var tracker = new ProgressTracker(total: 100, skipped: 90, previousErrors: 0, new Synchronous(reports.Add));
        double before = outer.Elapsed.TotalSeconds;
        Thread.Sleep(200);
        double atLeast = outer.Elapsed.TotalSeconds - before;
        tracker.Add(2, 0);
        double atMost = outer.Elapsed.TotalSeconds;
        var last = reports[^1];
        Assert.Equal((100, 92, 90), (last.Total, last.Done, last.Skipped));
        // 2 images in [atLeast, atMost] seconds: 8 left take 4x as long. Counting the 90 done before would say about 0.02 s.
        Assert.InRange(last.ImagesPerSecond, 2 / atMost, 2 / atLeast);
        Assert.InRange(last.Eta!.Value.TotalSeconds, 4 * atLeast, 4 * atMost);
    }

    // Progress<T> posts to the thread pool; the tracker's reports are wanted in order, here and now.
    private sealed class Synchronous(Action<ExtractionProgress> report) : IProgress<ExtractionProgress>
    {
        public void Report(ExtractionProgress value) => report(value);
    }
}
