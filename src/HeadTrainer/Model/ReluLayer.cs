using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Single;
using OnnxTransfer.HeadTrainer.Training;

namespace OnnxTransfer.HeadTrainer.Model;

/// <summary>max(0, x); the gradient at exactly 0 is taken as 0 (as TensorFlow and PyTorch do).</summary>
internal sealed class ReluLayer(int width) : Layer
{
    private DenseMatrix? _y, _out, _dx;

    public override int InputWidth => width;
    public override int OutputWidth => width;

    public override Matrix<float> Forward(Matrix<float> x, bool training, Rng rng)
    {
        var src = ((DenseMatrix)x).Values;
        var y = Reuse(ref _out, x.RowCount, x.ColumnCount);
        var dst = y.Values;
        for (int i = 0; i < dst.Length; i++) dst[i] = src[i] > 0f ? src[i] : 0f;
        _y = training ? y : null;
        return y;
    }

    public override Matrix<float>? Backward(Matrix<float> dy, bool needInputGrad)
    {
        var y = (_y ?? throw new InvalidOperationException("Backward called without a training-mode forward pass.")).Values;
        var g = ((DenseMatrix)dy).Values;
        var dx = Reuse(ref _dx, dy.RowCount, dy.ColumnCount);
        var d = dx.Values;
        for (int i = 0; i < d.Length; i++) d[i] = y[i] > 0f ? g[i] : 0f;
        return dx;
    }
}
