namespace OnnxTransfer.Extractor.Extraction;

/// <summary>
/// Lets concurrent workers take turns 0, 1, 2, ... in that order, whatever order they arrive in: the
/// extraction pipeline's sessions finish batches out of order, and their rows must reach the writer in
/// input order. Each turn is taken by exactly one caller, which ends it with <see cref="Next"/>.
/// </summary>
internal sealed class TurnOrder
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, TaskCompletionSource> _waiting = [];
    private long _current;

    /// <summary>Completes when turn <paramref name="turn"/> has come.</summary>
    public Task WaitAsync(long turn, CancellationToken ct)
    {
        lock (_lock)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(turn, _current);
            if (turn == _current) return Task.CompletedTask;
            // Continuations run elsewhere, so Next's caller is not hijacked into the next turn's work.
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Add(turn, waiter);
            return waiter.Task.WaitAsync(ct);
        }
    }

    /// <summary>Ends the current turn and starts the next.</summary>
    public void Next()
    {
        TaskCompletionSource? next;
        lock (_lock)
        {
            _current++;
            _waiting.Remove(_current, out next);
        }
        next?.SetResult();
    }
}
