using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Single;
using OnnxTransfer.HeadTrainer.Training;

namespace OnnxTransfer.HeadTrainer.Model;

/// <summary>
/// Inverted dropout (Keras/PyTorch): in training each element is kept with probability 1 - rate and
/// scaled by 1/(1 - rate); at inference it is the identity, so it is absent from the ONNX export.
/// Masks come from the trainer's seeded <see cref="Rng"/>, drawn in storage order.
/// </summary>
internal sealed class DropoutLayer : Layer
{
    private readonly int _width;
    private float[]? _mask;
    private float[] _maskBuffer = [];
    private DenseMatrix? _out, _dx;

    public DropoutLayer(int width, float rate)
    {
        if (rate is < 0f or >= 1f) throw new ArgumentOutOfRangeException(nameof(rate), rate, "Dropout rate must be in [0, 1).");
        (_width, Rate) = (width, rate);
    }

    public float Rate { get; }
    public override int InputWidth => _width;
    public override int OutputWidth => _width;

    public override Matrix<float> Forward(Matrix<float> x, bool training, Rng rng)
    {
        if (!training || Rate == 0f)
        {
            _mask = null;
            return x;
        }
        var src = ((DenseMatrix)x).Values;
        if (_maskBuffer.Length != src.Length) _maskBuffer = new float[src.Length];
        var mask = _maskBuffer; // every element written below
        float scale = 1f / (1f - Rate);
        for (int i = 0; i < mask.Length; i++) mask[i] = rng.NextFloat() >= Rate ? scale : 0f;
        var y = Reuse(ref _out, x.RowCount, x.ColumnCount);
        var dst = y.Values;
        for (int i = 0; i < dst.Length; i++) dst[i] = src[i] * mask[i];
        _mask = mask;
        return y;
    }

    public override Matrix<float>? Backward(Matrix<float> dy, bool needInputGrad)
    {
        if (!needInputGrad) return null;
        if (_mask is null) return dy;
        var g = ((DenseMatrix)dy).Values;
        var dx = Reuse(ref _dx, dy.RowCount, dy.ColumnCount);
        var d = dx.Values;
        for (int i = 0; i < d.Length; i++) d[i] = g[i] * _mask[i];
        return dx;
    }
}
