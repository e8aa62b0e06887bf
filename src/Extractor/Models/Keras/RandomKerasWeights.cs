namespace OnnxTransfer.Extractor.Models.Keras;

/// <summary>
/// Reproducible random weights: each weight is drawn from its own stream seeded by the model seed and
/// the weight's name, so values do not depend on build order and the same seed gives identical bytes.
/// Scales keep activations finite through the whole network (He normal before ReLU/swish, Glorot
/// elsewhere, BatchNormalization close to identity). The moving statistics drawn here are placeholders that
/// <see cref="BatchNormCalibration"/> replaces with measured ones unless calibration is turned off.
/// </summary>
internal sealed class RandomKerasWeights(int seed) : IKerasWeights
{
    // What keras.applications' EfficientNet .h5 stores in its Normalization layer (applied after x/255):
    // the ImageNet mean and, as variance, the ImageNet standard deviations (tensorflow issue 49930).
    private static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    public string Origin => $"random:seed={seed}";

    public bool IsRandom => true;

    public float[] Get(string layer, string weight, int[] shape, WeightKind kind)
    {
        int n = 1;
        foreach (int d in shape) n *= d;
        var rng = new SplitMix64(StreamSeed(seed, $"{layer}/{weight}"));
        var v = new float[n];
        switch (kind)
        {
            case WeightKind.Kernel:
            case WeightKind.DepthwiseKernel:
            {
                // A depthwise kernel (kh, kw, C, 1) sums over kh*kw inputs only.
                int fanIn = kind == WeightKind.DepthwiseKernel ? shape[0] * shape[1] : FanIn(shape);
                double std = Math.Sqrt(2.0 / fanIn);
                for (int i = 0; i < n; i++) v[i] = (float)(rng.NextGaussian() * std);
                break;
            }
            case WeightKind.LinearKernel:
            {
                int fanOut = shape[0] * shape[1] * shape[^1];
                double limit = Math.Sqrt(6.0 / (FanIn(shape) + fanOut));
                for (int i = 0; i < n; i++) v[i] = (float)((rng.NextDouble() * 2 - 1) * limit);
                break;
            }
            case WeightKind.Bias:
            case WeightKind.Beta:
            case WeightKind.MovingMean:
                for (int i = 0; i < n; i++) v[i] = (float)(rng.NextGaussian() * 0.05);
                break;
            case WeightKind.Gamma:
                for (int i = 0; i < n; i++) v[i] = (float)(1 + (rng.NextDouble() - 0.5) * 0.2);
                break;
            case WeightKind.MovingVariance:
                for (int i = 0; i < n; i++) v[i] = (float)(1 + (rng.NextDouble() - 0.5) * 0.4);
                break;
            case WeightKind.NormalizationMean:
                ImageNetMean.CopyTo(v, 0);
                break;
            case WeightKind.NormalizationVariance:
                ImageNetStd.CopyTo(v, 0);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
        return v;
    }

    private static int FanIn(int[] shape) => shape[0] * shape[1] * shape[2];

    internal static ulong StreamSeed(int seed, string name) => SplitMix64.Mix((ulong)(uint)seed, SplitMix64.Fnv1a(name));
}
