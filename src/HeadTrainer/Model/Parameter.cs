namespace OnnxTransfer.HeadTrainer.Model;

/// <summary>A named float32 tensor of a head with its gradient buffer (same length).</summary>
internal sealed class Parameter(string name, int length, bool regularized, bool trainable = true)
{
    public string Name { get; } = name;
    public float[] Value { get; } = new float[length];

    /// <summary>d(loss)/d(Value), overwritten by each backward pass; empty for non-trainable state.</summary>
    public float[] Grad { get; } = trainable ? new float[length] : [];

    /// <summary>True for Dense kernels: the only tensors the L2 penalty applies to (Keras kernel_regularizer).</summary>
    public bool Regularized { get; } = regularized;

    public bool Trainable { get; } = trainable;
}
