namespace OnnxTransfer.Extractor.Models.Keras;

/// <summary>
/// Where the architecture builders get each Keras weight from: an .h5 file or a seeded generator.
/// Shapes are Keras shapes (conv kernels HWIO, depthwise kernels (kh, kw, in, 1)); values are row-major.
/// </summary>
internal interface IKerasWeights
{
    /// <summary>The weight <paramref name="weight"/> (e.g. "kernel", "gamma") of layer <paramref name="layer"/>,
    /// checked against <paramref name="shape"/>. <paramref name="kind"/> tells a generator how to draw it.</summary>
    float[] Get(string layer, string weight, int[] shape, WeightKind kind);

    /// <summary>The weights origin recorded in the model metadata ("keras:md5=..." or "random:seed=N").</summary>
    string Origin { get; }

    bool IsRandom { get; }
}

/// <summary>What a weight is, so random weights get a sensible distribution.</summary>
internal enum WeightKind
{
    /// <summary>A conv kernel followed by ReLU-like activations: He normal over fan-in.</summary>
    Kernel,
    /// <summary>A depthwise kernel (kh, kw, C, 1) followed by BatchNormalization: He normal over kh*kw.</summary>
    DepthwiseKernel,
    /// <summary>A kernel followed by sigmoid or nothing: Glorot uniform.</summary>
    LinearKernel,
    Bias,
    Gamma,
    Beta,
    MovingMean,
    MovingVariance,
    NormalizationMean,
    NormalizationVariance,
}
