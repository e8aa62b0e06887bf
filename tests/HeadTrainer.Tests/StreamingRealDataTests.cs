using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.Tests;
using Xunit;
using Xunit.Abstractions;

namespace OnnxTransfer.HeadTrainer.Tests;

public class StreamingRealDataTests(ITestOutputHelper output)
{
    /// <summary>
    /// oxford_flowers17 (1,088 train, 272 val photos) through the real Keras MobileNet 0.25, avg-pooled (256 floats),
    /// in row groups of 32 rows so that windows of about 200 rows cut the training rows into six: streamed epochs see
    /// the rows in another order than in memory, yet a linear head with L2 (a strictly convex problem) and a cosine
    /// schedule that ends near 0 reaches the same optimum either way. 0.5 points of 272 photos is one photo.
    /// </summary>
    [SharedFact]
    public async Task Streaming_flowers17_features_gives_the_in_memory_validation_accuracy_within_half_a_point()
    {
        using var dir = new TempDir();
        var mobilenet = KerasImporter.Import(SharedData.Models("mobilenet_2_5_224_tf_no_top.h5"), KerasArch.MobileNet, new() { Alpha = 0.25 });
        var backbone = GraphTruncator.Truncate(mobilenet, ["conv_pw_13_relu"], PoolMode.Avg);
        using (var extractor = new FeatureExtractor(backbone, new ExtractionOptions { ModelName = "mobilenet", MaxRowGroupBytes = 32 * 256 * sizeof(float) }))
            await extractor.ExtractAsync(SharedData.Dataset("oxford_flowers17"), dir.File("features"));

        var options = new TrainerOptions
        {
            Head = HeadSpec.Linear, Solver = SolverKind.Sgd, Epochs = 60, BatchSize = 32, LearningRate = 1e-2f, Schedule = ScheduleKind.Cosine, L2 = 1e-4f, Patience = 0,
            RestoreBest = false, Seed = 7,
        };
        var inMemory = FeatureSet.Load(dir.File("features"));
        long budget = StreamBudget.For(200, 256, 32 + 256 + 32); // windows of 200 rows
        var streamed = FeatureSetReader.OpenStreamed([dir.File("features")], new FeatureSetOptions(), budget);
        Assert.True(streamed.Groups.Count >= 40, $"{streamed.Groups.Count} row groups");
        var a = new Trainer(options).Train(inMemory, dir.File("run-memory"));
        var b = new Trainer(options).Train(streamed, dir.File("run-streamed"));
        output.WriteLine($"val accuracy in memory {a.Validation.Accuracy:P2}, streamed {b.Validation.Accuracy:P2} ({a.Validation.Samples} photos)");
        Assert.Equal(272, b.Validation.Samples);
        Assert.InRange(b.Validation.Accuracy - a.Validation.Accuracy, -0.005, 0.005);
        Assert.True(a.Validation.Accuracy > 0.8, $"in-memory accuracy {a.Validation.Accuracy}");
    }
}
