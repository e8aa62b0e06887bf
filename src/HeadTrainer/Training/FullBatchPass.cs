using MathNet.Numerics.LinearAlgebra.Single;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Model;

namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>
/// One pass of a linear layer over every training row: the mean loss and its gradient, for <see cref="FullBatchSolver"/>.
/// The rows go in fixed chunks, one per core at a time, each through its own copy of the layer; the chunks' sums are added
/// in chunk order, so the result does not depend on the number of cores or on which finishes first.
/// </summary>
/// <remarks>
/// Chunks and not the GEMM's own threads: a linear head's products are thin (17 or 101 classes), and Sgemm splits the
/// kernel gradient (256 x 17) along its 17 columns into one part, so most of a pass ran on one core. Memory is a chunk of
/// rows and a kernel-sized gradient per core, whatever the number of rows.
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

    private readonly FeatureSet _data;
    private readonly int[] _rows;
    private readonly int[] _labels;
    private readonly LossFunction _loss;
    private readonly Worker[] _workers;
    private readonly float[][]? _gathered;
    private readonly int _chunks;

    /// <param name="cores">Chunks run at once; the result is the same for any number.</param>
    /// <param name="gatheredBytes">Gathers the rows once when they fit in this many bytes (<see cref="GatheredBytes"/>).</param>
    public FullBatchPass(DenseLayer layer, FeatureSet data, int[] rows, LossFunction loss, int cores, long gatheredBytes = GatheredBytes)
    {
        (_data, _rows, _loss) = (data, rows, loss);
        _labels = rows.Select(i => data.Labels[i]).ToArray();
        _chunks = (rows.Length + ChunkRows - 1) / ChunkRows;
        if ((long)rows.Length * data.Width * sizeof(float) <= gatheredBytes)
            _gathered = Enumerable.Range(0, _chunks).Select(c => Gather(c, new float[Rows(c) * data.Width])).ToArray();
        var gemm = layer.Multiplier.OnCallingThread;
        _workers = Enumerable.Range(0, Math.Clamp(cores, 1, Math.Max(1, _chunks)))
            .Select(_ => new Worker(new DenseLayer("worker", layer.InputWidth, layer.OutputWidth, gemm)))
            .ToArray();
    }

    /// <summary>
    /// The mean loss over the rows at <paramref name="layer"/>'s weights; its gradient (kernel, then bias) into the two
    /// arrays, overwritten. The penalty is the caller's.
    /// </summary>
    public double Run(DenseLayer layer, double[] kernelGradient, double[] biasGradient)
    {
        foreach (var w in _workers)
        {
            layer.Kernel.Value.CopyTo(w.Layer.Kernel.Value, 0);
            layer.Bias.Value.CopyTo(w.Layer.Bias.Value, 0);
        }
        Array.Clear(kernelGradient);
        Array.Clear(biasGradient);
        double value = 0;
        for (int first = 0; first < _chunks; first += _workers.Length)
        {
            int count = Math.Min(_workers.Length, _chunks - first);
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = count }, t => _workers[t].Run(this, first + t));
            for (int t = 0; t < count; t++)
            {
                var w = _workers[t];
                value += w.Value;
                var kg = w.Layer.Kernel.Grad;
                for (int i = 0; i < kg.Length; i++) kernelGradient[i] += kg[i];
                var bg = w.Layer.Bias.Grad;
                for (int i = 0; i < bg.Length; i++) biasGradient[i] += bg[i];
            }
        }
        return value;
    }

    private int Rows(int chunk) => Math.Min(ChunkRows, _rows.Length - chunk * ChunkRows);

    /// <summary>The chunk's rows, each a column of <paramref name="into"/> (width x rows, column-major).</summary>
    private float[] Gather(int chunk, float[] into)
    {
        int width = _data.Width;
        for (int j = 0, start = chunk * ChunkRows; j < Rows(chunk); j++) _data.Row(_rows[start + j]).CopyTo(into.AsSpan(j * width, width));
        return into;
    }

    /// <summary>A core's copy of the layer and buffers; <see cref="Value"/> and the layer's gradients hold its last chunk's share.</summary>
    private sealed class Worker(DenseLayer layer)
    {
        private readonly Rng _rng = new(0); // a dense layer draws nothing
        private float[] _rows = [];
        private DenseMatrix? _dLogits;

        public DenseLayer Layer { get; } = layer;
        public double Value { get; private set; }

        public void Run(FullBatchPass pass, int chunk)
        {
            int start = chunk * ChunkRows, b = pass.Rows(chunk), width = Layer.InputWidth;
            var rows = pass._gathered?[chunk];
            if (rows is null)
            {
                if (_rows.Length != b * width) _rows = new float[b * width];
                rows = pass.Gather(chunk, _rows);
            }
            var logits = (DenseMatrix)Layer.Forward(new DenseMatrix(width, b, rows), training: true, _rng);
            if (_dLogits is null || _dLogits.ColumnCount != b) _dLogits = new DenseMatrix(Layer.OutputWidth, b);
            // Compute gives the chunk's mean and a gradient over b rows; weighting by b / n makes both the whole set's mean.
            double share = (double)b / pass._rows.Length;
            Value = pass._loss.Compute(logits, pass._labels.AsSpan(start, b), _dLogits) * share;
            var dv = _dLogits.Values;
            for (int i = 0; i < dv.Length; i++) dv[i] = (float)(dv[i] * share);
            Layer.Backward(_dLogits, needInputGrad: false);
        }
    }
}

