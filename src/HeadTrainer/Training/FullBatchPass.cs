using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Model;

namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>
/// One pass of a linear layer over every training row: the mean loss and its gradient, for <see cref="FullBatchSolver"/>.
/// The rows go in fixed chunks, each core taking the next; the chunks' sums are added in chunk order, so the result does
/// not depend on the number of cores or on which finishes first.
/// </summary>
/// <remarks>
/// Chunks and not the GEMM's own threads: a linear head's products are thin (17 or 101 classes), and Sgemm splits the
/// kernel gradient (256 x 17) along its 17 columns into one part, so most of a pass ran on one core. Memory is a chunk of
/// rows per core and a kernel-sized gradient per chunk of a round (<see cref="ResultBytes"/>), whatever the number of
/// rows. A softmax head on a CPU with AVX-512 takes <see cref="SoftmaxChunks"/> (rows packed once per solve, softmax in
/// vectors of rows); anything else <see cref="LayerChunks"/> (the layer's own Forward and Backward and
/// <see cref="LossFunction"/>). The two round differently in the last bits (their products' sums and exponentials), each
/// the same on every run.
/// </remarks>
internal sealed class FullBatchPass
{
    /// <summary>Rows per chunk: a fixed number, so the sums' order is fixed.</summary>
    internal const int ChunkRows = 512;

    /// <summary>
    /// Up to this size the rows are gathered into chunks once, not on every pass: on flowers17 the gathering was a quarter
    /// of the solve (an L-BFGS solve makes 100 to 600 passes). Past it a core gathers its chunk each time, and the
    /// memory stays a chunk per core.
    /// </summary>
    internal const long GatheredBytes = 256L << 20;

    /// <summary>
    /// The most bytes the chunks' gradients may hold at once: a pass runs that many chunks (at least one per core) before
    /// adding their gradients, in chunk order. Caltech-sized (26,000 weights) holds all 12 of its chunks and makes one
    /// round; a VGG19 block5_pool probe (2.5 M weights) 6 at a time.
    /// </summary>
    internal const long ResultBytes = 64L << 20;

    private readonly IChunks _chunks;
    private readonly int _rowCount, _count, _workers, _slots;
    private readonly double[] _values;
    private readonly ParallelOptions _parallel;
    private bool _holding; // the slots are allocated by the first Run: a pass that only gives probabilities holds none

    /// <param name="cores">Chunks run at once; the result is the same for any number.</param>
    /// <param name="gatheredBytes">Gathers the rows once when they fit in this many bytes (<see cref="GatheredBytes"/>).</param>
    /// <param name="fused">Whether to take <see cref="SoftmaxChunks"/>; default where it runs (tests force each).</param>
    /// <param name="resultBytes">The most the chunks' gradients hold at once (<see cref="ResultBytes"/>; at least a chunk per core).</param>
    /// <param name="gradients">False for a pass that only gives <see cref="Probabilities"/>: rows packed for the logits alone, no gradient held.</param>
    public FullBatchPass(DenseLayer layer, FeatureSet data, int[] rows, LossFunction loss, int cores, long gatheredBytes = GatheredBytes,
        bool? fused = null, long resultBytes = ResultBytes, bool gradients = true)
    {
        _rowCount = rows.Length;
        _count = (rows.Length + ChunkRows - 1) / ChunkRows;
        _workers = Math.Clamp(cores, 1, Math.Max(1, _count));
        _chunks = fused ?? SoftmaxChunks.Runs(loss)
            ? new SoftmaxChunks(data, rows, loss, layer.OutputWidth, _workers, gatheredBytes, gradients)
            : new LayerChunks(layer, data, rows, loss, _workers, gatheredBytes);
        _slots = (int)Math.Clamp(resultBytes / (sizeof(float) * _chunks.ResultFloats), _workers, Math.Max(1, _count));
        _values = new double[_slots];
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = _workers };
    }

    /// <summary>
    /// The mean loss over the rows at <paramref name="layer"/>'s weights; its gradient (kernel, then bias) into the two
    /// arrays, overwritten. The penalty is the caller's.
    /// </summary>
    /// <remarks>
    /// Rounds of as many chunks as the gradients held allow, each core taking the next chunk when done with one (a round
    /// of 12 chunks on 2 cores is one start and one wait, not 6); each gradient element then adds the round's chunks in
    /// chunk order, the elements split between the cores.
    /// </remarks>
    public double Run(DenseLayer layer, double[] kernelGradient, double[] biasGradient)
    {
        if (!_holding)
        {
            _chunks.Hold(_slots);
            _holding = true;
        }
        _chunks.Load(layer);
        Array.Clear(kernelGradient);
        Array.Clear(biasGradient);
        double value = 0;
        for (int first = 0; first < _count; first += _slots)
        {
            int count = Math.Min(_slots, _count - first);
            // One iteration a worker, each taking the next chunk until none is left: a worker's buffers are its own by construction.
            int next = -1;
            Parallel.For(0, _workers, _parallel, worker =>
            {
                for (int slot; (slot = Interlocked.Increment(ref next)) < count;) _values[slot] = _chunks.Run(worker, first + slot, slot);
            });
            for (int slot = 0; slot < count; slot++) value += _values[slot];
            // Adding 12 chunks of 26,000 weights took 0.15 ms on one core, more than a start of the other.
            if (_workers == 1 || (long)count * _chunks.ResultFloats < 1 << 18) _chunks.AddGradients(count, 0, 1, kernelGradient, biasGradient);
            else Parallel.For(0, _workers, _parallel, part => _chunks.AddGradients(count, part, _workers, kernelGradient, biasGradient));
        }
        return value;
    }

    /// <summary>
    /// Each row's class probabilities at <paramref name="layer"/>'s weights, into <paramref name="into"/> (rows x
    /// classes, row-major, in the rows' order), and the mean loss there: what a report of these rows needs, from the
    /// chunks already packed, a chunk a core.
    /// </summary>
    public double Probabilities(DenseLayer layer, float[] into)
    {
        _chunks.Load(layer);
        int next = -1, classes = into.Length / Math.Max(1, _rowCount);
        var values = new double[_count];
        Parallel.For(0, _workers, _parallel, worker =>
        {
            for (int chunk; (chunk = Interlocked.Increment(ref next)) < _count;)
                values[chunk] = _chunks.Probabilities(worker, chunk, into.AsSpan(chunk * ChunkRows * classes, Rows(chunk, _rowCount) * classes));
        });
        return values.Sum(); // in chunk order, as a pass's value
    }

    /// <summary>The rows of chunk <paramref name="chunk"/> of <paramref name="total"/> rows.</summary>
    internal static int Rows(int chunk, int total) => Math.Min(ChunkRows, total - chunk * ChunkRows);

    /// <summary>
    /// How a pass computes its chunks: each worker (one per core at a time) with buffers of its own, each chunk's gradient
    /// into a slot of its round.
    /// </summary>
    internal interface IChunks
    {
        /// <summary>Floats one chunk's gradient takes (kernel and bias, with any padding).</summary>
        long ResultFloats { get; }

        /// <summary>Allocates the slots a round's gradients go to.</summary>
        void Hold(int slots);

        /// <summary>Takes the layer's weights for the pass to come.</summary>
        void Load(DenseLayer layer);

        /// <summary>The chunk's share of the mean loss; its share of the gradient into <paramref name="slot"/>.</summary>
        double Run(int worker, int chunk, int slot);

        /// <summary>
        /// The chunk's rows' class probabilities into <paramref name="into"/> (its rows x classes, row-major) and its
        /// share of the mean loss, at the weights loaded.
        /// </summary>
        double Probabilities(int worker, int chunk, Span<float> into);

        /// <summary>
        /// Adds slots 0 to <paramref name="slots"/> - 1, in that order, into part <paramref name="part"/> of
        /// <paramref name="parts"/> of the gradient (kernel in x out, column-major; bias).
        /// </summary>
        void AddGradients(int slots, int part, int parts, double[] kernel, double[] bias);
    }
}
