using MathNet.Numerics.LinearAlgebra.Single;
using OnnxTransfer.Features;

namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>
/// The rows of one pass (a training epoch or an evaluation), in the pass's order, as batches: from memory for a set in
/// memory, from the shards through a <see cref="RowStream"/> for a streamed one. Both give the same values.
/// </summary>
internal sealed class RowSource : IDisposable
{
    private readonly FeatureSet _data;
    private readonly RowStream? _stream;
    private float[] _buffer = [];
    private StreamBuffers? _owned;

    private RowSource(FeatureSet data, int[] order, RowStream? stream) => (_data, Order, _stream) = (data, order, stream);

    /// <summary>Row indices in pass order.</summary>
    public int[] Order { get; }

    /// <summary>Largest |feature| seen in the batches read so far (the divergence message's clue when the set is streamed).</summary>
    public float Largest { get; private set; }

    /// <summary>
    /// A training epoch over <paramref name="train"/>, shuffled with <paramref name="rng"/>: in memory, or when the
    /// stream's window holds every row, exactly the in-memory shuffle (so a set streamed with a budget that holds it
    /// trains the same head, bit for bit); otherwise <see cref="EpochOrder.Windowed"/>.
    /// </summary>
    /// <param name="buffers">A streamed set's window memory (null in memory), free while this source lives.</param>
    public static RowSource Epoch(FeatureSet data, int[] train, StreamBuffers? buffers, Rng rng)
    {
        if (buffers is null || train.Length <= buffers.WindowRows)
        {
            var order = (int[])train.Clone();
            rng.Shuffle(order.AsSpan());
            return new RowSource(data, order, buffers is null ? null : new RowStream(data, order, [0, order.Length], buffers));
        }
        var (windowed, starts) = EpochOrder.Windowed(data, train, buffers.WindowRows, rng);
        return new RowSource(data, windowed, new RowStream(data, windowed, starts, buffers));
    }

    /// <summary>A pass over <paramref name="rows"/> in the given order (evaluation), in consecutive windows of the buffers' size.</summary>
    /// <param name="buffers">A streamed set's window memory; null for a set in memory (or, streamed, windows of all the rows).</param>
    public static RowSource InOrder(FeatureSet data, int[] rows, StreamBuffers? buffers)
    {
        if (data.InMemory) return new RowSource(data, rows, null);
        var owned = buffers is null ? new StreamBuffers(data.Width, Math.Max(1, rows.Length)) : null;
        var use = buffers ?? owned!;
        return new RowSource(data, rows, new RowStream(data, rows, RowStream.Consecutive(rows.Length, use.WindowRows), use)) { _owned = owned };
    }

    /// <summary>Rows Order[start .. start + count) as a (width x count) column-major matrix: each row one contiguous column.</summary>
    /// <remarks>
    /// The batch's array is reused by the next call of the same size (a VGG19 block5_pool batch of 64 is 6.4 MB, a fresh
    /// one each step would pile up in the large object heap between collections): the caller is done with a batch,
    /// forward and backward, before it asks for the next.
    /// </remarks>
    public DenseMatrix Batch(int start, int count)
    {
        int width = _data.Width;
        if (_buffer.Length != count * width) _buffer = new float[count * width];
        var values = _buffer;
        if (_stream is null)
            for (int j = 0; j < count; j++) _data.Row(Order[start + j]).CopyTo(values.AsSpan(j * width, width));
        else
        {
            _stream.Read(start, values);
            foreach (float v in values) Largest = Math.Max(Largest, Math.Abs(v));
        }
        return new DenseMatrix(width, count, values);
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _owned?.Dispose(); // after the stream: its last read has finished
    }
}
