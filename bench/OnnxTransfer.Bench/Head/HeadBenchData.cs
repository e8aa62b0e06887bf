using MathNet.Numerics.LinearAlgebra.Single;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Training;

namespace OnnxTransfer.Bench.Head;

/// <summary>Random inputs for the head benchmarks (VGG19 block5_pool-sized features: 7 x 7 x 512 = 25,088).</summary>
public static class HeadBenchData
{
    public const int FeatureWidth = 25088;

    public static DenseMatrix Random(int rows, int cols, ulong seed)
    {
        var rng = new Rng(seed);
        var values = new float[rows * cols];
        for (int i = 0; i < values.Length; i++) values[i] = rng.NextFloat() - 0.5f;
        return new DenseMatrix(rows, cols, values);
    }

    /// <summary>n rows of non-negative random features (like post-ReLU activations) over 10 classes, no val split.</summary>
    public static FeatureSet Features(int n, int width = FeatureWidth, int classes = 10, ulong seed = 1)
    {
        var rng = new Rng(seed);
        var features = new float[(long)n * width];
        for (long i = 0; i < features.Length; i++) features[i] = rng.NextFloat();
        var labels = Enumerable.Range(0, n).Select(i => i % classes).ToArray();
        return new FeatureSet("block5_pool", [7, 7, 512], features, width,
            Enumerable.Range(0, n).Select(i => $"img{i}.jpg").ToArray(), labels, Enumerable.Repeat(FeatureSet.Train, n).ToArray(),
            Enumerable.Range(0, classes).Select(c => $"c{c}").ToArray(), new FeatureSource { Directory = Path.GetTempPath() });
    }
}
