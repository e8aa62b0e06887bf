using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>
/// Dedicated image-decoding threads at idle priority (<see cref="IdlePriority"/>). They only get CPU
/// time ONNX Runtime's threads leave unused, so they never preempt one of its workers in the middle of a
/// parallel kernel (which stalls the whole kernel behind that worker), and they still take every core
/// while ORT waits: for the first batch, on a GPU, between runs. Whoever needs a batch (the inference
/// stage) decodes its remaining images itself at normal priority, so the pipeline cannot starve when
/// other programs keep the cores busy.
/// </summary>
internal sealed class DecoderPool : IDisposable
{
    private readonly BlockingCollection<DecodeJob> _tickets = new();
    private readonly Thread[] _threads;
    private readonly List<DecodeJob> _started = [];

    public DecoderPool(int threads, bool idlePriority)
    {
        _threads = new Thread[threads];
        for (int i = 0; i < threads; i++)
        {
            _threads[i] = new Thread(() =>
            {
                if (idlePriority) IdlePriority.LowerCurrentThread();
                foreach (var job in _tickets.GetConsumingEnumerable()) job.Work();
            })
            { IsBackground = true, Name = $"OnnxTransfer decoder {i}" };
            _threads[i].Start();
        }
    }

    /// <summary>
    /// Decoder threads for a run whose ONNX Runtime uses <paramref name="ortThreads"/> threads: idle-priority decoders can
    /// have every core, since they only run where ORT leaves one idle. At normal priority they would preempt ORT's workers,
    /// stalling each parallel kernel behind the slowest one, so then they get only the cores ORT's threads leave free
    /// (off the CPU, every core).
    /// </summary>
    public static int DefaultWorkers(bool onCpu, int ortThreads) =>
        IdlePriority.Available || !onCpu ? Environment.ProcessorCount : Math.Max(1, Environment.ProcessorCount - ortThreads);

    /// <summary>Starts <paramref name="count"/> calls of <paramref name="body"/> (index 0..count-1) on the pool.</summary>
    public DecodeJob Start(int count, Action<int> body)
    {
        var job = new DecodeJob(count, body);
        _started.RemoveAll(j => j.IsDone);
        _started.Add(job);
        // One ticket per thread that can be busy on it; a thread holding a ticket takes indices until none are left.
        for (int i = 0; i < Math.Min(count, _threads.Length); i++) _tickets.Add(job);
        return job;
    }

    /// <summary>Skips the images of unfinished jobs that nobody has started, waits for those in progress, and ends the threads.</summary>
    public void Dispose()
    {
        foreach (var job in _started) job.Cancel();
        _tickets.CompleteAdding();
        foreach (var t in _threads) t.Join();
        _tickets.Dispose();
    }
}

/// <summary>A batch of decodes shared by the pool's threads and whoever waits for it. Start and Dispose of the pool are called from one thread.</summary>
internal sealed class DecodeJob
{
    private readonly int _count;
    private readonly Action<int> _body;
    // A task rather than a ManualResetEventSlim: nothing to dispose, and a job outlives the pool's list of started jobs.
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _next = -1, _left;
    private volatile bool _cancelled;
    private Exception? _error;

    public DecodeJob(int count, Action<int> body)
    {
        _count = count;
        _body = body;
        _left = count;
        if (count == 0) _done.SetResult();
    }

    /// <summary>Runs indices not yet taken by anyone, until none are left.</summary>
    public void Work()
    {
        for (int j; (j = Interlocked.Increment(ref _next)) < _count;)
        {
            try { if (!_cancelled) _body(j); }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); _cancelled = true; }
            if (Interlocked.Decrement(ref _left) == 0) _done.SetResult();
        }
    }

    /// <summary>Helps with the remaining indices on the calling thread, then waits for those in progress elsewhere.</summary>
    public void Finish(CancellationToken ct)
    {
        Work();
        _done.Task.Wait(ct);
        if (_error is { } e) ExceptionDispatchInfo.Throw(e);
    }

    /// <summary>True when every index has run (or was skipped).</summary>
    public bool IsDone => _done.Task.IsCompleted;

    /// <summary>Skips the indices nobody has started (a failed or cancelled run).</summary>
    public void Cancel() => _cancelled = true;
}
