using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Single;
using OnnxTransfer.HeadTrainer.LinearAlgebra;
using OnnxTransfer.HeadTrainer.Training;

namespace OnnxTransfer.HeadTrainer.Model;

/// <summary>
/// Fully connected layer y = W^T x + b with W stored (in x out) like a Keras kernel. Its three products go to
/// the <see cref="IGemm"/> it was built with, on the parameter arrays themselves: no MathNet matrix wraps them.
/// </summary>
internal sealed class DenseLayer : Layer
{
    private readonly IGemm _gemm;
    private DenseMatrix? _x, _y, _dx;

    public DenseLayer(string name, int inputWidth, int outputWidth, GemmBackend gemm = GemmBackend.Simd)
        : this(name, inputWidth, outputWidth, Gemm.For(gemm))
    {
    }

    internal DenseLayer(string name, int inputWidth, int outputWidth, IGemm gemm)
    {
        (InputWidth, OutputWidth, _gemm) = (inputWidth, outputWidth, gemm);
        Kernel = new Parameter(name + ".kernel", checked(inputWidth * outputWidth), regularized: true);
        Bias = new Parameter(name + ".bias", outputWidth, regularized: false);
    }

    public override int InputWidth { get; }
    public override int OutputWidth { get; }

    /// <summary>Column-major (in x out): element (i, o) at i + o * in.</summary>
    public Parameter Kernel { get; }
    public Parameter Bias { get; }

    public override IReadOnlyList<Parameter> Parameters => [Kernel, Bias];

    /// <summary>What computes this layer's products.</summary>
    internal IGemm Multiplier => _gemm;

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
        if (x.RowCount != InputWidth) throw new ArgumentException($"Input has {x.RowCount} rows, the layer takes {InputWidth}.", nameof(x));
        var dense = (DenseMatrix)x;
        int n = x.ColumnCount;
        var y = Reuse(ref _y, OutputWidth, n);
        _gemm.Multiply(transA: true, transB: false, OutputWidth, n, InputWidth, 1f, Kernel.Value, dense.Values, 0f, y.Values); // Y = W^T X
        AddBias(y.Values, Bias.Value, OutputWidth, n);
        _x = training ? dense : null;
        return y;
    }

    public override Matrix<float>? Backward(Matrix<float> dy, bool needInputGrad)
    {
        var x = _x ?? throw new InvalidOperationException("Backward called without a training-mode forward pass.");
        if (dy.RowCount != OutputWidth || dy.ColumnCount != x.ColumnCount)
            throw new ArgumentException($"Gradient is {dy.RowCount}x{dy.ColumnCount}, the layer's output was {OutputWidth}x{x.ColumnCount}.", nameof(dy));
        var g = ((DenseMatrix)dy).Values;
        int n = dy.ColumnCount, o = OutputWidth;
        _gemm.Multiply(transA: false, transB: true, InputWidth, o, n, 1f, x.Values, g, 0f, Kernel.Grad); // dW = X dY^T   (in x B)(B x out)
        var db = Bias.Grad;
        Array.Clear(db);
        for (int j = 0; j < n; j++)
            for (int r = 0; r < o; r++) db[r] += g[r + j * o];
        if (!needInputGrad) return null;
        var dx = Reuse(ref _dx, InputWidth, n);
        _gemm.Multiply(transA: false, transB: false, InputWidth, n, o, 1f, Kernel.Value, g, 0f, dx.Values); // dX = W dY
        return dx;
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
