using System.Diagnostics;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>Counts finished images across pipeline stages and turns them into progress reports.</summary>
internal sealed class ProgressTracker
{
    private readonly int _total, _skipped;
    private readonly IProgress<ExtractionProgress>? _progress;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _done, _errors;

    public ProgressTracker(int total, int skipped, int previousErrors, IProgress<ExtractionProgress>? progress)
    {
        _total = total;
        _skipped = skipped;
        _done = skipped;
        _errors = previousErrors;
        _progress = progress;
        Report();
    }

    public void Add(int images, int errors)
    {
        Interlocked.Add(ref _done, images);
        Interlocked.Add(ref _errors, errors);
        Report();
    }

    public void Report()
    {
        if (_progress is null) return;
        int done = Volatile.Read(ref _done);
        double seconds = _clock.Elapsed.TotalSeconds;
        double rate = seconds > 0 ? (done - _skipped) / seconds : 0;
        TimeSpan? eta = rate > 0 ? TimeSpan.FromSeconds((_total - done) / rate) : null;
        _progress.Report(new ExtractionProgress(_total, done, _skipped, Volatile.Read(ref _errors), rate, eta));
    }
}
