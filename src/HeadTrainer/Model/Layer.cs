using MathNet.Numerics.LinearAlgebra;
using OnnxTransfer.HeadTrainer.Training;

namespace OnnxTransfer.HeadTrainer.Model;

/// <summary>
/// One layer of a dense head. Activations are MathNet matrices of shape (features x batch),
/// column-major, so one sample's features are contiguous: exactly a row-major (batch x features)
/// block of the feature set, with no copy or transpose.
/// </summary>
internal abstract class Layer
{
    public abstract int InputWidth { get; }
    public abstract int OutputWidth { get; }

    /// <summary>Trainable parameters and non-trainable state (BatchNorm moving statistics).</summary>
    public virtual IReadOnlyList<Parameter> Parameters => [];

    /// <summary>Forward pass; in training mode the layer keeps what its backward pass needs.</summary>
    public abstract Matrix<float> Forward(Matrix<float> x, bool training, Rng rng);

    /// <summary>
    /// Back-propagates d(loss)/d(output) from the last training-mode forward pass: overwrites
    /// parameter gradients and returns d(loss)/d(input), or null when <paramref name="needInputGrad"/> is false.
    /// </summary>
    public abstract Matrix<float>? Backward(Matrix<float> dy, bool needInputGrad);
}
