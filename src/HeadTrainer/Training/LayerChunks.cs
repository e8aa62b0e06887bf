using MathNet.Numerics.LinearAlgebra.Single;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Model;

namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>
/// <see cref="FullBatchPass"/>'s chunks through the layer's own Forward and Backward and <see cref="LossFunction"/>, each
/// worker with its own copy of the layer: any loss, any CPU.
/// </summary>
internal sealed class LayerChunks : FullBatchPass.IChunks
{
    private readonly FeatureSet _data;
    private readonly int[] _rows;
    private readonly int[] _labels;
    private readonly LossFunction _loss;
    private readonly Worker[] _workers;
    private readonly float[][]? _gathered;
    private float[][] _kernelGradients = [], _biasGradients = []; // per slot

    public LayerChunks(DenseLayer layer, FeatureSet data, int[] rows, LossFunction loss, int workers, long gatheredBytes)
    {
        (_data, _rows, _loss) = (data, rows, loss);
        _labels = rows.Select(i => data.Labels[i]).ToArray();
        int chunks = (rows.Length + FullBatchPass.ChunkRows - 1) / FullBatchPass.ChunkRows;
        if ((long)rows.Length * data.Width * sizeof(float) <= gatheredBytes)
            _gathered = Enumerable.Range(0, chunks).Select(c => Gather(c, new float[Rows(c) * data.Width])).ToArray();
        var gemm = layer.Multiplier.OnCallingThread;
        _workers = Enumerable.Range(0, workers)
            .Select(_ => new Worker(new DenseLayer("worker", layer.InputWidth, layer.OutputWidth, gemm)))
            .ToArray();
    }

    public void Load(DenseLayer layer)
    {
        foreach (var w in _workers)
        {
            layer.Kernel.Value.CopyTo(w.Layer.Kernel.Value, 0);
            layer.Bias.Value.CopyTo(w.Layer.Bias.Value, 0);
        }
    }

    public long ResultFloats => _workers[0].Layer.Kernel.Grad.Length + _workers[0].Layer.Bias.Grad.Length;

    public void Hold(int slots)
    {
        var layer = _workers[0].Layer;
        _kernelGradients = Enumerable.Range(0, slots).Select(_ => new float[layer.Kernel.Grad.Length]).ToArray();
        _biasGradients = Enumerable.Range(0, slots).Select(_ => new float[layer.Bias.Grad.Length]).ToArray();
    }

    public double Run(int worker, int chunk, int slot)
    {
        var w = _workers[worker];
        double value = w.Run(this, chunk);
        w.Layer.Kernel.Grad.CopyTo(_kernelGradients[slot], 0);
        w.Layer.Bias.Grad.CopyTo(_biasGradients[slot], 0);
        return value;
    }

    public double Probabilities(int worker, int chunk, Span<float> into) => _workers[worker].Probabilities(this, chunk, into);

    public void AddGradients(int slots, int part, int parts, double[] kernel, double[] bias)
    {
        int from = (int)((long)part * kernel.Length / parts), to = (int)((long)(part + 1) * kernel.Length / parts);
        for (int slot = 0; slot < slots; slot++)
        {
            var kg = _kernelGradients[slot];
            for (int i = from; i < to; i++) kernel[i] += kg[i];
            if (part != 0) continue;
            var bg = _biasGradients[slot];
            for (int i = 0; i < bg.Length; i++) bias[i] += bg[i];
        }
    }

    private int Rows(int chunk) => FullBatchPass.Rows(chunk, _rows.Length);

    /// <summary>The chunk's rows, each a column of <paramref name="into"/> (width x rows, column-major).</summary>
    private float[] Gather(int chunk, float[] into)
    {
        int width = _data.Width;
        for (int j = 0, start = chunk * FullBatchPass.ChunkRows; j < Rows(chunk); j++) _data.Row(_rows[start + j]).CopyTo(into.AsSpan(j * width, width));
        return into;
    }

    /// <summary>A core's copy of the layer and buffers.</summary>
    private sealed class Worker(DenseLayer layer)
    {
        private readonly Rng _rng = new(0); // a dense layer draws nothing
        private float[] _rows = [];
        private DenseMatrix? _dLogits;

        public DenseLayer Layer { get; } = layer;

        public double Run(LayerChunks pass, int chunk)
        {
            var (logits, value) = Forward(pass, chunk, training: true);
            var dv = _dLogits!.Values;
            double share = (double)logits.ColumnCount / pass._rows.Length;
            for (int i = 0; i < dv.Length; i++) dv[i] = (float)(dv[i] * share);
            Layer.Backward(_dLogits, needInputGrad: false);
            return value;
        }

        public double Probabilities(LayerChunks pass, int chunk, Span<float> into)
        {
            var (logits, value) = Forward(pass, chunk, training: false);
            Activation.Probabilities(logits.Values, Layer.OutputWidth, logits.ColumnCount, pass._loss.Kind == LossKind.Binary, into);
            return value;
        }

        /// <summary>The chunk's logits and its share of the mean loss, the loss's gradient over the chunk in <see cref="_dLogits"/>.</summary>
        private (DenseMatrix Logits, double Value) Forward(LayerChunks pass, int chunk, bool training)
        {
            int start = chunk * FullBatchPass.ChunkRows, b = pass.Rows(chunk), width = Layer.InputWidth;
            var rows = pass._gathered?[chunk];
            if (rows is null)
            {
                if (_rows.Length != b * width) _rows = new float[b * width];
                rows = pass.Gather(chunk, _rows);
            }
            var logits = (DenseMatrix)Layer.Forward(new DenseMatrix(width, b, rows), training, _rng);
            if (_dLogits is null || _dLogits.ColumnCount != b) _dLogits = new DenseMatrix(Layer.OutputWidth, b);
            // Compute gives the chunk's mean and a gradient over b rows; weighting by b / n makes the mean the whole set's.
            return (logits, pass._loss.Compute(logits, pass._labels.AsSpan(start, b), _dLogits) * ((double)b / pass._rows.Length));
        }
    }
}
