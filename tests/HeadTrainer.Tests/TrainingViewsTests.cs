using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.HeadTrainer.Tests;

/// <summary>Training on a set with augmented views: one row of each image an epoch, whole images to validation, and reproducible.</summary>
public class TrainingViewsTests
{
    private const int Width = 6, Classes = 3;

    /// <summary>
    /// <paramref name="images"/> labelled images (split <paramref name="split"/>), each followed by <paramref name="views"/>
    /// views whose features are the image's plus noise, then <paramref name="valImages"/> validation images without views.
    /// </summary>
    private static FeatureSet Set(int images, int views, int valImages = 0, string split = FeatureSet.Train, ulong seed = 1)
    {
        var rng = new Rng(seed);
        var paths = new List<string>();
        var labels = new List<int>();
        var splits = new List<string>();
        var viewOf = new List<int>();
        var features = new List<float>();
        for (int i = 0; i < images + valImages; i++)
        {
            bool val = i >= images;
            var image = Enumerable.Range(0, Width).Select(f => (float)rng.NextGaussian() + (f % Classes == i % Classes ? 2 : 0)).ToArray();
            for (int v = 0; v <= (val ? 0 : views); v++)
            {
                paths.Add($"img{i:D3}.jpg");
                labels.Add(i % Classes);
                splits.Add(val ? FeatureSet.Val : split);
                viewOf.Add(v);
                features.AddRange(image.Select(x => v == 0 ? x : x + 0.3f * (float)rng.NextGaussian()));
            }
        }
        return new FeatureSet("gap", [Width], [.. features], Width, [.. paths], [.. labels], [.. splits], ["a", "b", "c"],
            new FeatureSource { Directory = "/synthetic" }, ["/synthetic"], [], 0, [.. viewOf]);
    }

    [Fact]
    public void Training_and_validation_are_images_and_a_held_out_image_takes_none_of_its_views_into_training()
    {
        var unsplit = Set(30, 2, split: "");
        var (train, val) = DataSplits.Of(unsplit, new TrainerOptions { ValidationSplit = 0.2f });
        Assert.All(train.Concat(val), r => Assert.Equal(0, unsplit.Views[r]));
        Assert.Equal(30, train.Length + val.Length);
        Assert.Empty(train.Select(r => unsplit.Paths[r]).Intersect(val.Select(r => unsplit.Paths[r])));

        var split = Set(20, 3, valImages: 9);
        var (t, v) = DataSplits.Of(split, new TrainerOptions());
        Assert.Equal(20, t.Length);
        Assert.Equal(9, v.Length);
        Assert.Equal([4, 4, 4], TrainingViews.RowsPerImage(split, t).Take(3));
        Assert.All(TrainingViews.RowsPerImage(split, v), n => Assert.Equal(1, n));
    }

    [Fact]
    public void Each_epoch_takes_one_row_of_each_image_drawn_from_all_of_its_rows()
    {
        var set = Set(10, 3, valImages: 2); // validation images of their own, so all ten train
        var (train, _) = DataSplits.Of(set, new TrainerOptions());
        var counts = TrainingViews.RowsPerImage(set, train);
        Assert.Equal(Enumerable.Repeat(4, 10), counts);
        var rng = new Rng(9);
        var drawn = new HashSet<int>();
        for (int epoch = 0; epoch < 200; epoch++)
        {
            var rows = TrainingViews.Draw(train, counts, rng);
            Assert.Equal(train.Length, rows.Length);
            for (int i = 0; i < rows.Length; i++)
            {
                Assert.Equal(set.Paths[train[i]], set.Paths[rows[i]]);
                drawn.Add(rows[i]);
            }
            Assert.Equal(rows.Order(), rows); // stored order, as the streamed epoch needs
        }
        Assert.Equal(40, drawn.Count); // every training row, the image and each view, is drawn some epoch
        Assert.Equal(TrainingViews.Draw(train, counts, new Rng(4)), TrainingViews.Draw(train, counts, new Rng(4)));
    }

    [Fact]
    public void A_view_out_of_its_place_is_refused_naming_it()
    {
        var set = Set(3, 2);
        set.Views[4] = 2; // image 1's first view claims to be its second
        var (train, _) = DataSplits.Of(set, new TrainerOptions());
        var e = Assert.Throws<OnnxTransferException>(() => TrainingViews.RowsPerImage(set, train));
        Assert.Equal("Row 4 of '/synthetic' is view 2 of 'img001.jpg', not view 1 of 'img001.jpg' (an image's views follow it, in order); re-extract the set.", e.Message);
    }

    [Fact]
    public void A_resumed_run_on_views_equals_an_uninterrupted_one_and_the_views_change_the_head()
    {
        var options = new TrainerOptions
        {
            Head = HeadSpec.Parse("mlp:8"), Epochs = 5, BatchSize = 8, LearningRate = 0.01f, Patience = 0, RestoreBest = false, Dropout = 0.2f,
        };
        var withViews = Set(24, 3, valImages: 6);
        using var whole = new TempDir();
        using var parts = new TempDir();
        using var plain = new TempDir();
        new Trainer(options).Train(withViews, whole.Path);
        new Trainer(options with { Epochs = 2 }).Train(withViews, parts.Path);
        new Trainer(options with { Resume = true }).Train(withViews, parts.Path);
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole.Path, RunFiles.HeadModel)), File.ReadAllBytes(Path.Combine(parts.Path, RunFiles.HeadModel)));

        // The same images without their views: a different head, so the views were trained on.
        var images = Enumerable.Range(0, withViews.Rows).Where(r => withViews.Views[r] == 0).ToArray();
        var without = new FeatureSet("gap", [Width], [.. images.SelectMany(r => withViews.Row(r).ToArray())], Width, [.. images.Select(r => withViews.Paths[r])],
            [.. images.Select(r => withViews.Labels[r])], [.. images.Select(r => withViews.Splits[r])], withViews.Classes, withViews.Source);
        new Trainer(options).Train(without, plain.Path);
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(whole.Path, RunFiles.HeadModel)), File.ReadAllBytes(Path.Combine(plain.Path, RunFiles.HeadModel)));
    }
}
