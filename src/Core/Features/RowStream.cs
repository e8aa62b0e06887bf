using System.Runtime.InteropServices;

namespace OnnxTransfer.Features;

/// <summary>
/// Reads the rows of a streamed <see cref="FeatureSet"/> in a given order, front to back, a window at a time: window w
/// is positions [WindowStarts[w], WindowStarts[w + 1]) of the order, read whole into one of two buffers while the
/// caller consumes the window before it, on a background thread. So the caller waits only when the disk is slower
/// than its work, memory is two windows plus one row group, and what the caller gets never depends on timing.
/// Within a window the row groups are read in stored order, each once, whatever order the window's rows are in.
/// The buffers are the caller's (<see cref="StreamBuffers"/>), reused by every pass of a job, so memory stays at one
/// pass's worth however many epochs run.
/// </summary>
internal sealed class RowStream : IDisposable
{
    private readonly FeatureSet _set;
    private readonly int[] _order, _windowStarts;
    private readonly StreamBuffers _buffers;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loading;
    private int _loadingWindow = -1, _current = -1, _next;

    /// <param name="order">Row indices of the set, in the order the caller reads them.</param>
    /// <param name="windowStarts">Ascending positions in <paramref name="order"/>, from 0, ending with order.Length.</param>
    /// <param name="buffers">Windows at least as large as the largest window here; no other stream may use them until this one is disposed.</param>
    public RowStream(FeatureSet set, int[] order, int[] windowStarts, StreamBuffers buffers)
    {
        if (set.InMemory) throw new ArgumentException("The set is in memory: read it directly.", nameof(set));
        if (windowStarts.Length < 1 || windowStarts[0] != 0 || windowStarts[^1] != order.Length)
            throw new ArgumentException("Windows must start at 0 and end at the order's length.", nameof(windowStarts));
        (_set, _order, _windowStarts) = (set, order, windowStarts);
        int largest = Enumerable.Range(0, windowStarts.Length - 1).Select(w => windowStarts[w + 1] - windowStarts[w]).DefaultIfEmpty(0).Max();
        if (largest > buffers.WindowRows || buffers.Width != set.Width)
            throw new ArgumentException($"A window of {largest} rows of {set.Width} does not fit buffers of {buffers.WindowRows} rows of {buffers.Width}.", nameof(buffers));
        _buffers = buffers;
        if (Windows > 0) StartLoading(0);
    }

    private int Windows => _windowStarts.Length - 1;

    /// <summary>Copies rows order[start .. start + target.Length / Width) into <paramref name="target"/>, row after row; calls must go front to back.</summary>
    /// <exception cref="OnnxTransferException">A shard changed, vanished or cannot be read since the set was opened.</exception>
    public void Read(int start, Span<float> target)
    {
        int width = _set.Width, count = target.Length / width;
        if (start != _next) throw new InvalidOperationException($"Rows must be read in order: expected position {_next}, got {start}.");
        for (int p = start; p < start + count; p++)
        {
            int w = WindowOf(p);
            if (w != _current) Enter(w);
            long slot = p - _windowStarts[w];
            _buffers.Window(w % 2).Slice((int)(slot * width), width).CopyTo(target.Slice((p - start) * width, width));
        }
        _next = start + count;
    }

    /// <summary>Makes window <paramref name="w"/> current: waits for its read, then starts reading the next into the buffer just freed.</summary>
    private void Enter(int w)
    {
        if (_loadingWindow != w) throw new InvalidOperationException($"Window {w} was not being read.");
        // GetResult rethrows the reader's own exception (an OnnxTransferException naming the shard), not an AggregateException.
        _loading!.GetAwaiter().GetResult();
        _current = w;
        if (w + 1 < Windows) StartLoading(w + 1);
    }

    private void StartLoading(int w)
    {
        _loadingWindow = w;
        var token = _stop.Token;
        _loading = Task.Run(() => Load(w, token), token);
    }

    /// <summary>Reads window <paramref name="w"/> into its buffer: every row group holding one of its rows, once, in stored order.</summary>
    private void Load(int w, CancellationToken ct)
    {
        int from = _windowStarts[w], to = _windowStarts[w + 1], width = _set.Width;
        var buffer = _buffers.Window(w % 2);
        var wanted = Enumerable.Range(from, to - from).Select(p => (Row: _order[p], Slot: p - from)).OrderBy(x => x.Row).ToArray();
        using var groups = new GroupReader(_set, _buffers.Levels);
        int loaded = -1;
        float[] group = [];
        foreach (var (row, slot) in wanted)
        {
            int g = _set.GroupOf(row);
            if (g != loaded)
            {
                ct.ThrowIfCancellationRequested();
                var info = _set.Groups[g];
                group = _buffers.Group(info.Rows * width);
                groups.Read(info, group.AsMemory(0, info.Rows * width));
                loaded = g;
            }
            group.AsSpan((row - _set.Groups[g].FirstRow) * width, width).CopyTo(buffer.Slice(slot * width, width));
        }
    }

    private int WindowOf(int position)
    {
        // Positions only grow: the current window, or a later one.
        int w = Math.Max(_current, 0);
        while (position >= _windowStarts[w + 1]) w++;
        return w;
    }

    /// <summary>Window starts for <paramref name="count"/> rows read in order, <paramref name="windowRows"/> at a time (ending with count).</summary>
    public static int[] Consecutive(int count, int windowRows) =>
        [.. Enumerable.Range(0, (count + windowRows - 1) / windowRows).Select(w => w * windowRows), count];

    public void Dispose()
    {
        _stop.Cancel();
        try { _loading?.Wait(); }
        catch (AggregateException) { } // a read cancelled or failed while nobody waited for it: nothing to report
        _stop.Dispose();
    }
}

/// <summary>
/// The memory of streamed passes: two windows of <see cref="WindowRows"/> rows, a row group and Parquet's level buffers,
/// allocated once (when first used) and lent to one <see cref="RowStream"/> at a time. The windows, most of a budget,
/// are native memory: as managed arrays they made the GC's heap, and so the garbage it lets pile up before collecting,
/// grow with the budget (a 2 GB budget peaked at 3.5 GB RSS); outside the heap they are exactly their size.
/// </summary>
internal sealed unsafe class StreamBuffers(int width, int windowRows) : IDisposable
{
    private readonly float*[] _windows = new float*[2];
    private float[] _group = [];

    public int Width { get; } = width;
    public int WindowRows { get; } = windowRows;
    public LevelBuffers Levels { get; } = new();

    private int Floats => checked(WindowRows * Width);

    public Span<float> Window(int index)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_windows[index] == null) _windows[index] = (float*)NativeMemory.Alloc((nuint)Floats, sizeof(float));
        return new Span<float>(_windows[index], Floats);
    }

    /// <summary>A buffer of at least <paramref name="floats"/> values for one row group.</summary>
    public float[] Group(int floats) => _group.Length >= floats ? _group : _group = new float[floats];

    private bool _disposed;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        for (int i = 0; i < _windows.Length; i++)
        {
            NativeMemory.Free(_windows[i]);
            _windows[i] = null;
        }
    }
}
