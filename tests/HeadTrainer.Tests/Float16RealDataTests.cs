using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.Tests;
using Xunit;
using Xunit.Abstractions;

namespace OnnxTransfer.HeadTrainer.Tests;

/// <summary>Float16 features of real photos train as well as float32 ones, from shards about half the size.</summary>
[Collection(Flowers17Fixture.Collection)]
public class Float16RealDataTests(Flowers17Fixture flowers, ITestOutputHelper output)
{
    [SharedFact]
    public void A_linear_head_on_float16_flowers17_features_is_as_accurate_as_on_float32_from_about_half_the_bytes()
    {
        using var runs = new TempDir();
        // The same head, seed and schedule on both; every epoch runs, so early stopping cannot tell them apart.
        var options = new TrainerOptions { Head = HeadSpec.Linear, Solver = SolverKind.Sgd, Epochs = 30, Patience = 0, LearningRate = 1e-2f, Seed = 1 };
        var full = FeatureSet.Load(flowers.Float32Dir);
        var half = FeatureSet.Load(flowers.Float16Dir);
        Assert.Equal((1360, 256), (full.Rows, full.Width));
        Assert.Equal(full.Paths, half.Paths);
        Assert.Equal(full.Features.Select(v => (float)(Half)v), half.Features); // the float16 run stored the float32 run's values, rounded

        var a = new Trainer(options).Train(full, runs.File("float32"));
        var b = new Trainer(options).Train(half, runs.File("float16"));
        long bytes32 = Flowers17Fixture.ShardBytes(flowers.Float32Dir), bytes16 = Flowers17Fixture.ShardBytes(flowers.Float16Dir);
        output.WriteLine($"val accuracy float32 {a.Validation.Accuracy:P2}, float16 {b.Validation.Accuracy:P2} ({a.Validation.Samples} val photos); " +
                         $"shards float32 {bytes32:N0} bytes, float16 {bytes16:N0} bytes ({(double)bytes16 / bytes32:F3}x)");
        Assert.Equal(272, a.Validation.Samples);
        Assert.True(Math.Abs(a.Validation.Accuracy - b.Validation.Accuracy) <= 0.005, $"float32 {a.Validation.Accuracy:P2} vs float16 {b.Validation.Accuracy:P2}");
        Assert.InRange((double)bytes16 / bytes32, 0.4, 0.65);
    }

    [SharedFact]
    public void Float16_flowers17_features_streamed_from_their_shards_train_the_in_memory_head()
    {
        using var runs = new TempDir();
        var options = new TrainerOptions { Head = HeadSpec.Linear, Solver = SolverKind.Sgd, Epochs = 5, Patience = 0, LearningRate = 1e-2f, Seed = 1 };
        var inMemory = FeatureSet.Load(flowers.Float16Dir);
        // Windows that hold every row: streaming then trains exactly what memory does, here from float16 shards.
        var streamed = FeatureSetReader.OpenStreamed([flowers.Float16Dir], new FeatureSetOptions(), 4L * inMemory.Rows * inMemory.Width * sizeof(float));
        Assert.False(streamed.InMemory);
        var a = new Trainer(options).Train(inMemory, runs.File("memory"));
        var b = new Trainer(options).Train(streamed, runs.File("streamed"));
        Assert.Equal(a.History.Select(h => (h.Loss, h.ValLoss)), b.History.Select(h => (h.Loss, h.ValLoss)));
    }
}
