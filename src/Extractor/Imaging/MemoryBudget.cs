namespace OnnxTransfer.Extractor.Imaging;

/// <summary>
/// Bytes that concurrent workers may hold together: <see cref="Acquire"/> waits while the others hold too much, and a
/// request larger than the whole budget goes ahead alone. Each worker holds one lease at a time and never waits
/// while holding one, so the wait always ends.
/// </summary>
internal sealed class MemoryBudget(long limit)
{
    // Monitor, not System.Threading.Lock: it has no wait/pulse.
    private readonly object _lock = new();
    private long _held;

    public Lease Acquire(long bytes)
    {
        lock (_lock)
        {
            while (_held > 0 && _held + bytes > limit) Monitor.Wait(_lock);
            _held += bytes;
        }
        return new Lease(this, bytes);
    }

    private void Release(long bytes)
    {
        lock (_lock)
        {
            _held -= bytes;
            Monitor.PulseAll(_lock);
        }
    }

    public readonly struct Lease(MemoryBudget budget, long bytes) : IDisposable
    {
        public void Dispose() => budget.Release(bytes);
    }
}
