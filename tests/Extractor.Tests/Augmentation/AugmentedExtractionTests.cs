using Microsoft.ML.OnnxRuntime;
using OnnxTransfer.Extractor.Augmentation;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Extractor.Tests.Extraction;
using OnnxTransfer.Features;
using OnnxTransfer.Onnx;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Augmentation;

/// <summary>Extraction with augmented views: which images get them, where their rows go, and that each is the model on its transformed image.</summary>
public class AugmentedExtractionTests
{
    private static ExtractionOptions Options(int views, ExtractionShard? shard = null, int imagesPerShard = 1024) => new()
    {
        ModelName = "tiny", BatchSize = 4, DecodeWorkers = 2, Threads = 1, ImagesPerShard = imagesPerShard, Shard = shard ?? ExtractionShard.Whole,
        Augmentation = new AugmentationOptions { Views = views, Seed = 7 },
    };

    [Fact]
    public void Each_training_image_is_followed_by_its_views_each_the_model_on_its_transformed_image_and_validation_gets_none()
    {
        using var input = new TempDir();
        using var plain = new TempDir();
        using var augmented = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 3); // 6 train, 6 val
        TestData.ExtractTiny(input.Path, plain.Path, Options(0));
        var summary = TestData.ExtractTiny(input.Path, augmented.Path, Options(3));

        Assert.Equal((12, 12 + 6 * 3, 18, 0), (summary.ImagesIn, summary.RowsWritten, summary.AugmentedRows, summary.Errors));
        var a = FeatureSet.Load(augmented.Path, "conv");
        var p = FeatureSet.Load(plain.Path, "conv");
        // View 0 rows are the plain extraction's, bit for bit, in its order.
        var images = Enumerable.Range(0, a.Rows).Where(r => a.Views[r] == 0).ToArray();
        Assert.Equal(p.Paths, images.Select(r => a.Paths[r]));
        Assert.Equal(p.Features.ToArray(), images.SelectMany(r => a.Row(r).ToArray()));
        for (int r = 0; r < a.Rows; r++)
            if (a.Views[r] > 0)
            {
                Assert.Equal(a.Paths[r - a.Views[r]], a.Paths[r]); // after its image, in order
                Assert.Equal(FeatureSet.Train, a.Splits[r]);
            }
        Assert.All(Enumerable.Range(0, a.Rows).Where(r => a.Splits[r] == FeatureSet.Val), r => Assert.Equal(0, a.Views[r]));

        // The reference: each view made from the loaded image alone and run alone through a plain session.
        var image = new ImageOptions { Size = 16 };
        using var session = new InferenceSession(OnnxModelFile.ToBytes(TestModels.TinyConv()));
        foreach (int r in Enumerable.Range(0, a.Rows).Where(r => a.Views[r] > 0).Take(6))
        {
            var pixels = new float[image.TensorLength];
            ImageLoader.LoadInto(Path.Combine(input.Path, a.Paths[r]), image, pixels);
            var view = new float[pixels.Length];
            ViewTransform.Draw(Options(3).Augmentation, a.Paths[r], a.Views[r], 16).Apply(pixels, view, 16, FillMode.Nearest);
            using var value = OrtValue.CreateTensorValueFromMemory(view, [1, 16, 16, 3]);
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, ["image"], [value], ["conv_nhwc"]);
            var expected = results[0].GetTensorDataAsSpan<float>().ToArray();
            var actual = a.Row(r).ToArray();
            for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6f + 1e-5f * Math.Abs(expected[i]), $"row {r} [{i}]");
            Assert.NotEqual(p.Row(Array.IndexOf(p.Paths, a.Paths[r])).ToArray(), actual); // a view is not its image
        }
        Assert.True(FeatureSet.Verify(augmented.Path).IsComplete);
    }

    [Fact]
    public void A_broken_training_image_is_one_error_with_none_of_its_views_and_shards_make_the_same_bytes()
    {
        using var input = new TempDir();
        using var single = new TempDir();
        using var sharded = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 4);
        File.WriteAllBytes(Path.Combine(input.Path, "train", "ants", "broken.jpg"), [0xFF, 0xD8, 0xFF, 0x00, 1]);
        var one = TestData.ExtractTiny(input.Path, single.Path, Options(2, imagesPerShard: 5));
        Assert.Equal((17, 1), (one.ImagesIn, one.Errors));
        Assert.Equal(one.ImagesIn, one.RowsWritten - one.AugmentedRows + one.Errors);
        Assert.Equal(8 * 2, one.AugmentedRows); // 9 training images, one broken
        Assert.DoesNotContain("train/ants/broken.jpg", FeatureSet.Load(single.Path, "gap").Paths);

        for (int k = 0; k < 4; k++) TestData.ExtractTiny(input.Path, sharded.Path, Options(2, new ExtractionShard(k, 4)));
        var check = FeatureSet.Verify(sharded.Path);
        Assert.True(check.IsComplete, string.Join("; ", check.Problems.Concat(check.MissingImages).Concat(check.DuplicateImages)));
        Assert.Equal(Directory.GetFiles(single.Path, "part-*.parquet").Order(StringComparer.Ordinal).Select(f => OnnxTransfer.IO.Hashing.Sha256File(f)),
                     Directory.GetFiles(sharded.Path, "part-*.parquet").Order(StringComparer.Ordinal).Select(f => OnnxTransfer.IO.Hashing.Sha256File(f)));
    }

    [Fact]
    public void A_cancelled_augmented_run_resumes_to_the_bytes_of_an_uninterrupted_one()
    {
        using var input = new TempDir();
        using var interrupted = new TempDir();
        using var fresh = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 6); // 24 images, 12 of them training ones with 2 views: 48 rows
        var options = Options(2, imagesPerShard: 4);
        using var cts = new CancellationTokenSource();
        var progress = new TestData.SyncProgress(_ =>
        {
            if (File.Exists(interrupted.File("part-00001.parquet"))) cts.Cancel();
        });
        using (var extractor = new FeatureExtractor(TestModels.TinyConv(), options))
            Assert.ThrowsAny<OperationCanceledException>(() => extractor.ExtractAsync(input.Path, interrupted.Path, progress, cts.Token).GetAwaiter().GetResult());
        var summary = TestData.ExtractTiny(input.Path, interrupted.Path, options);
        Assert.True(summary.ResumedImages > 0);
        Assert.Equal((48, 24), (summary.RowsWritten, summary.AugmentedRows));
        TestData.ExtractTiny(input.Path, fresh.Path, options);
        Assert.Equal(TestData.Shards(fresh.Path).Select(p => (p.Key, p.Value.Hash)), TestData.Shards(interrupted.Path).Select(p => (p.Key, p.Value.Hash)));
    }

    [Fact]
    public void A_batch_that_cannot_hold_an_image_and_its_views_is_refused()
    {
        var e = Assert.Throws<OnnxTransferException>(() => new FeatureExtractor(TestModels.TinyConv(), Options(4)));
        Assert.Equal("`BatchSize` 4 cannot hold an image and its 4 views; use at least 5.", e.Message);
    }
}
