using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Single;
using OnnxTransfer.HeadTrainer.Training;

namespace OnnxTransfer.HeadTrainer.Model;

/// <summary>
/// BatchNormalization over the feature axis with Keras defaults (momentum 0.99, epsilon 1e-3):
/// training mode normalizes with the batch mean and biased variance and updates the moving
/// statistics; inference uses the moving statistics (what ONNX BatchNormalization computes).
/// Statistics are accumulated in double, sequentially, for reproducibility.
/// </summary>
internal sealed class BatchNormLayer : Layer
{
    public const float DefaultMomentum = 0.99f;
    public const float DefaultEpsilon = 1e-3f;

    private readonly int _width;
    private float[]? _xhat;
    private float[]? _invStd;

    public BatchNormLayer(string name, int width, float momentum = DefaultMomentum, float epsilon = DefaultEpsilon)
    {
        (_width, Momentum, Epsilon) = (width, momentum, epsilon);
        Gamma = new Parameter(name + ".gamma", width, regularized: false);
        Beta = new Parameter(name + ".beta", width, regularized: false);
        MovingMean = new Parameter(name + ".moving_mean", width, regularized: false, trainable: false);
        MovingVariance = new Parameter(name + ".moving_variance", width, regularized: false, trainable: false);
        Array.Fill(Gamma.Value, 1f);
        Array.Fill(MovingVariance.Value, 1f);
    }

    public float Momentum { get; }
    public float Epsilon { get; }
    public Parameter Gamma { get; }
    public Parameter Beta { get; }
    public Parameter MovingMean { get; }
    public Parameter MovingVariance { get; }

    public override int InputWidth => _width;
    public override int OutputWidth => _width;
    public override IReadOnlyList<Parameter> Parameters => [Gamma, Beta, MovingMean, MovingVariance];

    public override Matrix<float> Forward(Matrix<float> x, bool training, Rng rng)
    {
        int d = _width, n = x.ColumnCount;
        var src = ((DenseMatrix)x).Values;
        var y = new DenseMatrix(d, n);
        var dst = y.Values;
        float[] gamma = Gamma.Value, beta = Beta.Value;
        if (!training)
        {
            float[] mm = MovingMean.Value, mv = MovingVariance.Value;
            for (int f = 0; f < d; f++)
            {
                float s = gamma[f] / MathF.Sqrt(mv[f] + Epsilon);
                float t = beta[f] - mm[f] * s;
                for (int j = 0; j < n; j++) dst[f + j * d] = src[f + j * d] * s + t;
            }
            _xhat = null;
            return y;
        }

        var mean = new double[d];
        var variance = new double[d];
        for (int j = 0; j < n; j++)
            for (int f = 0; f < d; f++) mean[f] += src[f + j * d];
        for (int f = 0; f < d; f++) mean[f] /= n;
        for (int j = 0; j < n; j++)
            for (int f = 0; f < d; f++) { double c = src[f + j * d] - mean[f]; variance[f] += c * c; }
        var xhat = new float[d * n];
        var invStd = new float[d];
        for (int f = 0; f < d; f++)
        {
            variance[f] /= n;
            invStd[f] = (float)(1.0 / Math.Sqrt(variance[f] + Epsilon));
            MovingMean.Value[f] = Momentum * MovingMean.Value[f] + (1f - Momentum) * (float)mean[f];
            MovingVariance.Value[f] = Momentum * MovingVariance.Value[f] + (1f - Momentum) * (float)variance[f];
        }
        for (int j = 0; j < n; j++)
            for (int f = 0; f < d; f++)
            {
                int i = f + j * d;
                xhat[i] = (float)(src[i] - mean[f]) * invStd[f];
                dst[i] = gamma[f] * xhat[i] + beta[f];
            }
        (_xhat, _invStd) = (xhat, invStd);
        return y;
    }

    public override Matrix<float>? Backward(Matrix<float> dy, bool needInputGrad)
    {
        var xhat = _xhat ?? throw new InvalidOperationException("Backward called without a training-mode forward pass.");
        int d = _width, n = dy.ColumnCount;
        var g = ((DenseMatrix)dy).Values;
        var sumDy = new double[d];
        var sumDyXhat = new double[d];
        for (int j = 0; j < n; j++)
            for (int f = 0; f < d; f++) { int i = f + j * d; sumDy[f] += g[i]; sumDyXhat[f] += g[i] * xhat[i]; }
        for (int f = 0; f < d; f++) { Beta.Grad[f] = (float)sumDy[f]; Gamma.Grad[f] = (float)sumDyXhat[f]; }
        if (!needInputGrad) return null;
        // dx = gamma * invStd / n * (n * dy - sum(dy) - xhat * sum(dy * xhat))
        var dx = new DenseMatrix(d, n);
        var o = dx.Values;
        var gamma = Gamma.Value;
        for (int j = 0; j < n; j++)
            for (int f = 0; f < d; f++)
            {
                int i = f + j * d;
                o[i] = (float)(gamma[f] * _invStd![f] / n * (n * (double)g[i] - sumDy[f] - xhat[i] * sumDyXhat[f]));
            }
        return dx;
    }
}
