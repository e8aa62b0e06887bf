using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Single;
using OnnxTransfer.HeadTrainer.Training;

namespace OnnxTransfer.HeadTrainer.Model;

/// <summary>Fully connected layer y = W^T x + b with W stored (in x out) like a Keras kernel.</summary>
public sealed class DenseLayer : Layer
{
    private readonly DenseMatrix _w;
    private readonly DenseMatrix _dw;
    private Matrix<float>? _x;

    public DenseLayer(string name, int inputWidth, int outputWidth)
    {
        (InputWidth, OutputWidth) = (inputWidth, outputWidth);
        Kernel = new Parameter(name + ".kernel", checked(inputWidth * outputWidth), regularized: true);
        Bias = new Parameter(name + ".bias", outputWidth, regularized: false);
        _w = new DenseMatrix(inputWidth, outputWidth, Kernel.Value);
        _dw = new DenseMatrix(inputWidth, outputWidth, Kernel.Grad);
    }

    public override int InputWidth { get; }
    public override int OutputWidth { get; }

    /// <summary>Column-major (in x out): element (i, o) at i + o * in.</summary>
    public Parameter Kernel { get; }
    public Parameter Bias { get; }

    public override IReadOnlyList<Parameter> Parameters => [Kernel, Bias];

    /// <summary>Keras's default: Glorot-uniform kernel, zero bias.</summary>
    public void InitializeGlorotUniform(Rng rng)
    {
        float limit = MathF.Sqrt(6f / (InputWidth + OutputWidth));
        var w = Kernel.Value;
        for (int i = 0; i < w.Length; i++) w[i] = (2f * rng.NextFloat() - 1f) * limit;
        Array.Clear(Bias.Value);
    }

    public override Matrix<float> Forward(Matrix<float> x, bool training, Rng rng)
    {
        var y = (DenseMatrix)_w.TransposeThisAndMultiply(x);
        AddBias(y.Values, Bias.Value, OutputWidth, x.ColumnCount);
        _x = training ? x : null;
        return y;
    }

    public override Matrix<float>? Backward(Matrix<float> dy, bool needInputGrad)
    {
        var x = _x ?? throw new InvalidOperationException("Backward called without a training-mode forward pass.");
        x.TransposeAndMultiply(dy, _dw);             // dW = X dY^T   (in x B)(B x out)
        var g = ((DenseMatrix)dy).Values;
        var db = Bias.Grad;
        Array.Clear(db);
        int n = dy.ColumnCount, o = OutputWidth;
        for (int j = 0; j < n; j++)
            for (int r = 0; r < o; r++) db[r] += g[r + j * o];
        return needInputGrad ? _w.Multiply(dy) : null; // dX = W dY
    }

    internal static void AddBias(float[] y, float[] bias, int rows, int cols)
    {
        for (int j = 0; j < cols; j++)
        {
            var col = y.AsSpan(j * rows, rows);
            for (int r = 0; r < rows; r++) col[r] += bias[r];
        }
    }
}
