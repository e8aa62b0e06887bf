using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Single;
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

    /// <summary>
    /// The layer's own matrix in <paramref name="slot"/> when it has the shape, else a new one kept there. A layer's
    /// outputs and input gradients are used within one step (the next layer's forward, this layer's backward) and every
    /// element is written before it is read, so the next step may overwrite them: a 1,024-wide layer's 256 KB a batch is
    /// then allocated once, not per step, and training's garbage no longer grows the GC heap (and RSS) by hundreds of MB.
    /// </summary>
    protected static DenseMatrix Reuse(ref DenseMatrix? slot, int rows, int columns)
    {
        if (slot is null || slot.RowCount != rows || slot.ColumnCount != columns) slot = new DenseMatrix(rows, columns);
        return slot;
    }
}
