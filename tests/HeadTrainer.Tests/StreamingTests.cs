using System.Security.Cryptography;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.HeadTrainer.Tests;

/// <summary>Training on a feature set streamed from its shards: the same rows, within a memory budget, reproducibly.</summary>
public class StreamingTests
{
    private const int Width = 48;

    private static TrainerOptions Options(ulong seed = 3) => new()
    {
        Head = HeadSpec.Parse("mlp:16"), Epochs = 4, BatchSize = 16, Seed = seed, Patience = 0, Dropout = 0.2f, LearningRate = 1e-2f,
    };

    /// <summary>600 rows of 48 floats in row groups of 7, 11 and 5 rows: windows cut across groups and shards.</summary>
    private static TempDir Features()
    {
        var dir = new TempDir();
        SyntheticFeatures.Write(dir.Path, 600, Width, 4, seed: 5, separation: 0.6f, groups: [7, 11, 5]);
        return dir;
    }

    private static string HeadHash(string run) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(run, RunFiles.HeadModel))));

    /// <summary>A budget whose windows hold <paramref name="windowRows"/> rows with the options' batch.</summary>
    private static long BudgetFor(int windowRows, int batch = 16) => StreamBudget.For(windowRows, Width, batch + 256 + 11);

    [Fact]
    public void A_streamed_set_whose_window_holds_every_training_row_trains_the_in_memory_head_bit_for_bit()
    {
        using var features = Features();
        using var memoryRun = new TempDir();
        using var streamRun = new TempDir();
        var inMemory = FeatureSet.Load(features.Path);
        var streamed = FeatureSetReader.OpenStreamed([features.Path], new FeatureSetOptions(), BudgetFor(600));
        Assert.True(inMemory.InMemory);
        Assert.False(streamed.InMemory);
        Assert.Throws<InvalidOperationException>(() => streamed.Features);
        Assert.Equal(inMemory.Paths, streamed.Paths);
        Assert.Equal(inMemory.Labels, streamed.Labels);

        var a = new Trainer(Options()).Train(inMemory, memoryRun.Path);
        var b = new Trainer(Options()).Train(streamed, streamRun.Path);
        Assert.Equal(HeadHash(memoryRun.Path), HeadHash(streamRun.Path));
        Assert.Equal(a.History.Select(h => (h.Loss, h.ValLoss)), b.History.Select(h => (h.Loss, h.ValLoss)));
    }

    [Fact]
    public void Small_windows_give_the_same_head_for_the_same_seed_and_budget_and_about_the_in_memory_accuracy()
    {
        using var features = Features();
        var options = Options() with { Epochs = 12 };
        string Train(FeatureSet set, out TrainingResult result)
        {
            using var run = new TempDir();
            result = new Trainer(options).Train(set, run.Path);
            return HeadHash(run.Path);
        }
        string first = Train(FeatureSetReader.OpenStreamed([features.Path], new FeatureSetOptions(), BudgetFor(60)), out var streamed);
        string again = Train(FeatureSetReader.OpenStreamed([features.Path], new FeatureSetOptions(), BudgetFor(60)), out _);
        string other = Train(FeatureSetReader.OpenStreamed([features.Path], new FeatureSetOptions(), BudgetFor(90)), out _);
        Train(FeatureSet.Load(features.Path), out var inMemory);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other); // another budget, other windows: another order (so the windows were used)
        // A different order of the same rows: the accuracy of a converged head moves by a few rows of 200, not more.
        Assert.InRange(streamed.Validation.Accuracy - inMemory.Validation.Accuracy, -0.03, 0.03);
        Assert.True(inMemory.Validation.Accuracy > 0.6, $"in-memory accuracy {inMemory.Validation.Accuracy}: the data should be learnable");
    }

    [Fact]
    public void An_epoch_visits_every_training_row_once_in_windows_of_whole_row_groups()
    {
        using var features = Features();
        var set = FeatureSetReader.OpenStreamed([features.Path], new FeatureSetOptions(), BudgetFor(60));
        var train = DataSplits.Of(set, Options()).Train;
        var groupOf = new int[set.Rows];
        for (int g = 0; g < set.Groups.Count; g++)
            for (int r = 0; r < set.Groups[g].Rows; r++) groupOf[set.Groups[g].FirstRow + r] = g;
        var orders = new List<int[]>();
        foreach (ulong seed in new ulong[] { 1, 2 })
        {
            var (order, starts) = EpochOrder.Windowed(set, train, 60, new Rng(seed));
            Assert.Equal(train, order.Order());
            Assert.Equal(0, starts[0]);
            Assert.Equal(order.Length, starts[^1]);
            var seen = new HashSet<int>();
            for (int w = 0; w + 1 < starts.Length; w++)
            {
                var rows = order[starts[w]..starts[w + 1]];
                Assert.InRange(rows.Length, 1, 60);
                var groups = rows.Select(r => groupOf[r]).Distinct().ToList();
                // Whole groups: every training row of each of the window's groups is in it, and no group is in two windows.
                Assert.Equal(train.Where(r => groups.Contains(groupOf[r])).Order(), rows.Order());
                Assert.All(groups, g => Assert.True(seen.Add(g), $"group {g} in two windows"));
            }
            // Shuffled across the set: the first window's rows come from both shards.
            Assert.Equal(2, order[..starts[1]].Select(r => set.Groups[groupOf[r]].Shard).Distinct().Count());
            orders.Add(order);
        }
        Assert.NotEqual(orders[0], orders[1]);
    }

    [Fact]
    public void Open_loads_a_set_that_fits_the_budget_and_streams_one_that_does_not_saying_which_and_why()
    {
        using var features = Features();
        long bytes = 600L * Width * sizeof(float);
        var fits = FeatureSet.Open(features.Path, new FeatureSetOptions { MaxMemory = bytes });
        var over = FeatureSet.Open(features.Path, new FeatureSetOptions { MaxMemory = bytes - 1 });
        Assert.True(fits.InMemory);
        Assert.False(over.InMemory);
        Assert.Equal("in memory (600 rows x 48 floats = 0.1 MB, within the `MaxMemory` budget of 0.1 MB)", fits.Storage);
        Assert.Equal("streamed from 2 shards (600 rows x 48 floats = 0.1 MB, over the `MaxMemory` budget of 0.1 MB)", over.Storage);
        Assert.Equal(fits.Paths, over.Paths);
    }

    [Fact]
    public void A_budget_smaller_than_a_batch_is_one_line_naming_the_need_and_nothing_is_written()
    {
        using var features = Features();
        using var dir = new TempDir();
        string run = dir.File("run");
        var set = FeatureSet.Open(features.Path, new FeatureSetOptions { MaxMemory = 10_000 });
        var e = Assert.Throws<OnnxTransferException>(() => new Trainer(Options()).Train(set, run));
        Assert.StartsWith($"`MaxMemory` 0.0 MB is too small to stream '{set.Source.Directory}': two windows of at least 16 rows", e.Message);
        Assert.EndsWith("raise `MaxMemory` or lower `BatchSize`.", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void A_shard_deleted_between_epochs_is_named_and_no_head_is_written()
    {
        using var features = Features();
        using var dir = new TempDir();
        string run = dir.File("run");
        var set = FeatureSetReader.OpenStreamed([features.Path], new FeatureSetOptions(), BudgetFor(60));
        string shard = Path.Combine(features.Path, FeatureFormat.ShardName(1));
        var trainer = new Trainer(Options());
        trainer.EpochCompleted += m => { if (m.Epoch == 1) File.Delete(shard); };
        var e = Assert.Throws<OnnxTransferException>(() => trainer.Train(set, run));
        Assert.StartsWith($"Shard '{shard}' changed while its features were being read (it is gone); restore it or re-extract", e.Message);
        Assert.False(File.Exists(Path.Combine(run, RunFiles.HeadModel)));
        Assert.True(File.Exists(Path.Combine(run, RunFiles.LastCheckpoint))); // epoch 1 is kept for `Resume`
    }

    [Fact]
    public void A_shard_rewritten_under_a_streamed_set_is_refused()
    {
        using var features = Features();
        using var dir = new TempDir();
        var set = FeatureSetReader.OpenStreamed([features.Path], new FeatureSetOptions(), BudgetFor(60));
        string shard = Path.Combine(features.Path, FeatureFormat.ShardName(0));
        File.SetLastWriteTimeUtc(shard, DateTime.UtcNow.AddMinutes(5)); // as a rewrite would
        var e = Assert.Throws<OnnxTransferException>(() => new Trainer(Options()).Train(set, dir.File("run")));
        Assert.Contains("(it was rewritten)", e.Message);
    }
}
