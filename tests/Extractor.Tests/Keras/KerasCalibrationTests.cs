using Xunit;
using Google.Protobuf;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Extractor.Models.Keras;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Extractor.Tests.Keras;

/// <summary>
/// Random weights with BatchNormalization statistics calibrated on the probe batch: the features must
/// depend on the image (they do not without calibration), and each BN's stored statistics must be the
/// statistics of its input on the probe batch, measured here independently in double precision.
/// </summary>
public sealed class KerasCalibrationTests
{
    private const int Seed = 5;

    // Median over feature dimensions of std / |mean| across images. A feature that no image changes scores 0;
    // real-weight CNN features score well above 0.1 on distinct images.
    private const double Varies = 0.05;

    private static readonly KerasImportOptions Calibrated = new() { Alpha = 0.25 };
    private static readonly KerasImportOptions Uncalibrated = new() { Alpha = 0.25, CalibrateRandomWeights = false };

    [Theory]
    [InlineData(KerasArch.EfficientNetB0)]
    [InlineData(KerasArch.MobileNet)]
    public void Calibration_makes_the_pooled_features_depend_on_the_image(KerasArch arch)
    {
        var images = DistinctImages(12, 64, seed: 77);
        double calibrated = MedianVariation(KerasImporter.RandomWeights(arch, Calibrated, Seed).Proto, images);
        double uncalibrated = MedianVariation(KerasImporter.RandomWeights(arch, Uncalibrated, Seed).Proto, images);
        Assert.True(calibrated > Varies, $"{arch} calibrated: median std/|mean| {calibrated:G3} <= {Varies}");
        Assert.True(uncalibrated < Varies, $"{arch} uncalibrated: median std/|mean| {uncalibrated:G3} >= {Varies}");
    }

    [Fact]
    public void Vgg19_has_no_batch_norm_so_it_is_left_alone_and_its_features_vary_anyway()
    {
        var model = KerasImporter.RandomWeights(KerasArch.Vgg19, Calibrated, Seed).Proto;
        Assert.Equal("random:seed=5", ModelInfo.Read(model).Weights);
        Assert.Equal(KerasImporter.RandomWeights(KerasArch.Vgg19, Uncalibrated, Seed).Proto.ToByteArray(), model.ToByteArray());
        double variation = MedianVariation(model, DistinctImages(12, 64, seed: 77));
        Assert.True(variation > Varies, $"vgg19: median std/|mean| {variation:G3} <= {Varies}");
    }

    [Fact]
    public void Calibrated_models_say_calibrated_and_still_random()
    {
        var info = ModelInfo.Read(KerasImporter.RandomWeights(KerasArch.MobileNet, Calibrated, Seed).Proto);
        Assert.True(info.RandomWeights);
        Assert.Equal("random:seed=5,calibrated", info.Weights);
        Assert.Contains("RANDOM weights", info.WeightsLabel);
    }

    [Fact]
    public void Calibration_changes_only_the_moving_statistics()
    {
        var a = KerasImporter.RandomWeights(KerasArch.EfficientNetB0, Calibrated, Seed).Proto.Graph;
        var b = KerasImporter.RandomWeights(KerasArch.EfficientNetB0, Uncalibrated, Seed).Proto.Graph;
        Assert.Equal(b.Node, a.Node);
        Assert.Equal(b.Initializer.Select(i => (i.Name, Dims: string.Join(",", i.Dims))), a.Initializer.Select(i => (i.Name, Dims: string.Join(",", i.Dims))));
        int changed = 0;
        for (int i = 0; i < a.Initializer.Count; i++)
        {
            bool statistic = a.Initializer[i].Name.EndsWith("/moving_mean", StringComparison.Ordinal) || a.Initializer[i].Name.EndsWith("/moving_variance", StringComparison.Ordinal);
            if (statistic) changed += a.Initializer[i].Equals(b.Initializer[i]) ? 0 : 1;
            else Assert.Equal(b.Initializer[i], a.Initializer[i]);
        }
        Assert.Equal(2 * a.Node.Count(n => n.OpType == "BatchNormalization"), changed);
    }

    [Theory]
    [InlineData(KerasArch.EfficientNetB0, "stem_bn")]
    [InlineData(KerasArch.EfficientNetB0, "block1a_bn")]
    [InlineData(KerasArch.EfficientNetB0, "top_bn")]
    [InlineData(KerasArch.MobileNet, "conv1_bn")]
    [InlineData(KerasArch.MobileNet, "conv_pw_13_bn")]
    public void Each_BatchNorm_is_normalised_on_the_probe_batch(KerasArch arch, string bn)
    {
        var model = KerasImporter.RandomWeights(arch, Calibrated, Seed).Proto;
        var node = model.Graph.Node.Single(n => n.OpType == "BatchNormalization" && n.Output[0] == bn);
        float[] W(int input) => TensorData.ToFloats(model.Graph.Initializer.Single(i => i.Name == node.Input[input]));
        float[] gamma = W(1), beta = W(2), storedMean = W(3), storedVariance = W(4);

        var probe = new Nhwc(CalibrationProbe.Count, CalibrationProbe.Size, CalibrationProbe.Size, 3);
        var pixels = CalibrationProbe.Images(Seed);
        for (int i = 0; i < pixels.Length; i++) probe.D[i] = pixels[i];
        var outputs = OrtHarness.Run(model, probe, [node.Input[0], bn]);
        var (inMean, inVariance) = ChannelStatistics(outputs[node.Input[0]]);
        var (outMean, outVariance) = ChannelStatistics(outputs[bn]);

        for (int c = 0; c < gamma.Length; c++)
        {
            double sd = Math.Sqrt(inVariance[c]);
            // Stored statistics = the input's statistics (population variance), up to float32 rounding
            // and fused-kernel differences upstream.
            Assert.True(Math.Abs(storedMean[c] - inMean[c]) <= 1e-3 * (sd + Math.Abs(inMean[c])) + 1e-6,
                $"{bn}[{c}] moving_mean {storedMean[c]} vs input mean {inMean[c]}");
            Assert.True(Math.Abs(storedVariance[c] - inVariance[c]) <= 2e-3 * inVariance[c] + 1e-9,
                $"{bn}[{c}] moving_variance {storedVariance[c]} vs input variance {inVariance[c]}");
            // Output: mean beta, std gamma shrunk only by Keras' epsilon 1e-3.
            double expectedSd = Math.Abs(gamma[c]) * Math.Sqrt(inVariance[c] / (inVariance[c] + 1e-3));
            Assert.True(Math.Abs(outMean[c] - beta[c]) <= 1e-3 * Math.Abs(gamma[c]) + 1e-5,
                $"{bn}[{c}] output mean {outMean[c]} vs beta {beta[c]}");
            Assert.True(Math.Abs(Math.Sqrt(outVariance[c]) - expectedSd) <= 2e-3 * expectedSd + 1e-5,
                $"{bn}[{c}] output std {Math.Sqrt(outVariance[c])} vs {expectedSd}");
        }
    }

    /// <summary>Per-channel mean and population variance over N, H, W of an NCHW tensor, in double.</summary>
    private static (double[] Mean, double[] Variance) ChannelStatistics((float[] Data, long[] Shape) t)
    {
        int n = (int)t.Shape[0], c = (int)t.Shape[1], hw = (int)(t.Shape[2] * t.Shape[3]);
        var mean = new double[c];
        var variance = new double[c];
        for (int ch = 0; ch < c; ch++)
        {
            double s = 0;
            for (int b = 0; b < n; b++)
                for (int p = 0; p < hw; p++) s += t.Data[(b * c + ch) * hw + p];
            mean[ch] = s / (n * hw);
            double q = 0;
            for (int b = 0; b < n; b++)
                for (int p = 0; p < hw; p++) { double d = t.Data[(b * c + ch) * hw + p] - mean[ch]; q += d * d; }
            variance[ch] = q / (n * hw);
        }
        return (mean, variance);
    }

    /// <summary>Globally average-pools the model's output per image and returns the median over feature
    /// dimensions of std / |mean| across the images (0 for a dimension that is 0 for every image).</summary>
    private static double MedianVariation(ModelProto model, Nhwc images)
    {
        string output = model.Graph.Output[0].Name;
        var (data, shape) = OrtHarness.Run(model, images, [output])[output];
        int n = (int)shape[0], c = (int)shape[1], hw = (int)(shape[2] * shape[3]);
        var scores = new double[c];
        for (int ch = 0; ch < c; ch++)
        {
            var pooled = new double[n];
            for (int b = 0; b < n; b++)
            {
                double s = 0;
                for (int p = 0; p < hw; p++) s += data[(b * c + ch) * hw + p];
                pooled[b] = s / hw;
            }
            double mean = pooled.Average();
            double sd = Math.Sqrt(pooled.Sum(v => (v - mean) * (v - mean)) / n);
            scores[ch] = sd == 0 ? 0 : sd / Math.Abs(mean);
        }
        Array.Sort(scores);
        return c % 2 == 1 ? scores[c / 2] : (scores[c / 2 - 1] + scores[c / 2]) / 2;
    }

    /// <summary>Images that differ in content, not only in noise: a random base colour, a linear colour
    /// gradient in a random direction and a random square, plus pixel noise.</summary>
    private static Nhwc DistinctImages(int count, int size, int seed)
    {
        var rng = new Random(seed);
        var x = new Nhwc(count, size, size, 3);
        for (int b = 0; b < count; b++)
        {
            var baseColour = new[] { rng.Next(256), rng.Next(256), rng.Next(256) };
            var slope = new[] { rng.NextDouble() * 2 - 1, rng.NextDouble() * 2 - 1, rng.NextDouble() * 2 - 1 };
            double angle = rng.NextDouble() * 2 * Math.PI;
            int side = size / 4 + rng.Next(size / 2), top = rng.Next(size - side), left = rng.Next(size - side);
            var square = new[] { rng.Next(256), rng.Next(256), rng.Next(256) };
            for (int y = 0; y < size; y++)
                for (int xx = 0; xx < size; xx++)
                {
                    double t = ((xx - size / 2.0) * Math.Cos(angle) + (y - size / 2.0) * Math.Sin(angle)) / size;
                    bool inSquare = y >= top && y < top + side && xx >= left && xx < left + side;
                    for (int ch = 0; ch < 3; ch++)
                    {
                        double v = inSquare ? square[ch] : baseColour[ch] + 120 * slope[ch] * t;
                        x[b, y, xx, ch] = Math.Clamp(v + (rng.NextDouble() * 2 - 1) * 10, 0, 255);
                    }
                }
        }
        return x;
    }
}
