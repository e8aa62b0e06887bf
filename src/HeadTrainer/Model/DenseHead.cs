using MathNet.Numerics.LinearAlgebra.Single;
using OnnxTransfer.HeadTrainer.LinearAlgebra;
using OnnxTransfer.HeadTrainer.Training;

namespace OnnxTransfer.HeadTrainer.Model;

/// <summary>
/// A dense classifier head: a stack of layers from D features to logits, plus the output
/// activation (softmax over K classes, or with <see cref="LossKind.Binary"/> one sigmoid logit for class 1).
/// Layers see activations as (features x batch) column-major matrices, i.e. row-major batches of rows.
/// </summary>
public sealed class DenseHead
{
    /// <param name="gemm">What computes the dense layers' products; default <see cref="GemmBackend.Simd"/>.</param>
    internal DenseHead(HeadSpec spec, int inputWidth, int classCount, LossKind loss, float dropout, Rng rng, GemmBackend gemm = GemmBackend.Simd)
        : this(spec, inputWidth, classCount, loss, dropout, rng, Gemm.For(gemm))
    {
    }

    internal DenseHead(HeadSpec spec, int inputWidth, int classCount, LossKind loss, float dropout, Rng rng, IGemm gemm)
    {
        if (loss == LossKind.Binary && classCount != 2)
            throw new OnnxTransferException($"`Loss` binary needs exactly 2 classes, the feature set has {classCount}; use `Loss` softmax.");
        (Spec, InputWidth, ClassCount, Loss, Dropout) = (spec, inputWidth, classCount, loss, dropout);
        int outputs = Outputs;
        var layers = new List<Layer>();
        int width = inputWidth;
        switch (spec.Kind)
        {
            case HeadKind.Mlp:
                for (int i = 0; i < spec.Hidden.Count; i++)
                {
                    layers.Add(new DenseLayer($"dense_{i}", width, spec.Hidden[i], gemm));
                    layers.Add(new ReluLayer(spec.Hidden[i]));
                    if (dropout > 0) layers.Add(new DropoutLayer(spec.Hidden[i], dropout));
                    width = spec.Hidden[i];
                }
                break;
            case HeadKind.BatchNormDropout:
                layers.Add(new BatchNormLayer("bn", width));
                if (dropout > 0) layers.Add(new DropoutLayer(width, dropout));
                break;
        }
        layers.Add(new DenseLayer("logits", width, outputs, gemm));
        foreach (var dense in layers.OfType<DenseLayer>()) dense.InitializeGlorotUniform(rng);
        Layers = layers;
    }

    public HeadSpec Spec { get; }
    public int InputWidth { get; }
    public int ClassCount { get; }
    public LossKind Loss { get; }
    public float Dropout { get; }
    internal IReadOnlyList<Layer> Layers { get; }

    /// <summary>Number of logits: 1 for a binary sigmoid head, else K.</summary>
    public int Outputs => Loss == LossKind.Binary ? 1 : ClassCount;

    internal IEnumerable<Parameter> Parameters => Layers.SelectMany(l => l.Parameters);

    /// <summary>Logits (Outputs x batch) for a (InputWidth x batch) column-major batch.</summary>
    internal DenseMatrix Logits(DenseMatrix x, bool training, Rng rng)
    {
        var h = (MathNet.Numerics.LinearAlgebra.Matrix<float>)x;
        foreach (var layer in Layers) h = layer.Forward(h, training, rng);
        return (DenseMatrix)h;
    }

    /// <summary>Back-propagates d(loss)/d(logits) through every layer, filling parameter gradients.</summary>
    internal void Backward(DenseMatrix dLogits)
    {
        MathNet.Numerics.LinearAlgebra.Matrix<float>? g = dLogits;
        for (int i = Layers.Count - 1; i >= 0; i--) g = Layers[i].Backward(g!, needInputGrad: i > 0);
    }

    /// <summary>Inference: row-major features (n x InputWidth) -> row-major probabilities (n x ClassCount).</summary>
    public float[] Predict(ReadOnlySpan<float> features, int batchSize = 256)
    {
        int n = features.Length / InputWidth;
        var probabilities = new float[n * ClassCount];
        var rng = new Rng(0); // unused in inference mode: dropout is the identity
        for (int start = 0; start < n; start += batchSize)
        {
            int b = Math.Min(batchSize, n - start);
            var x = new DenseMatrix(InputWidth, b, features.Slice(start * InputWidth, b * InputWidth).ToArray());
            var logits = Logits(x, training: false, rng);
            Activation.Probabilities(logits.Values, Outputs, b, Loss == LossKind.Binary, probabilities.AsSpan(start * ClassCount, b * ClassCount));
        }
        return probabilities;
    }
}
