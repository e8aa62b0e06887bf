using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Inference;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Tests;
using SkiaSharp;
using Xunit;

namespace OnnxTransfer.Inference.Tests;

public class PredictorTests
{
    private static readonly string[] ClassNames = ["a", "b", "c"];

    [Fact]
    public void Exported_file_and_chained_models_give_the_same_probabilities()
    {
        using var dir = new TempDir();
        var rng = new Random(11);
        var backbone = TestModels.Backbone(rng);
        var head = TestModels.Head(rng, TestModels.FeatureWidth);
        var paths = Enumerable.Range(0, 5).Select(i => WriteJpeg(dir.File($"img{i}.jpg"), rng)).ToList();
        paths.Insert(2, dir.File("missing.jpg"));
        string exported = dir.File("model.onnx");
        var chained = ChainExporter.Chain(backbone, head, "conv", ClassNames);
        var info = ModelInfo.Read(chained);
        info.Resize = "stretch";
        info.Interpolation = "bilinear";
        info.WriteTo(chained);
        OnnxModelFile.Save(chained, exported);

        var image = new ImageOptions { Size = TestModels.Size };
        var options = new PredictorOptions { BatchSize = 4 };
        using var twoStage = Predictor.FromModels(backbone, head, "conv", ClassNames, image, options);
        using var single = Predictor.FromExportedModel(exported, options);

        var a = twoStage.PredictFiles(paths).ToList();
        var b = single.PredictFiles(paths).ToList();
        Assert.Equal(paths, a.Select(r => r.Path));
        Assert.Equal(paths, b.Select(r => r.Path));
        Assert.NotNull(a[2].Error);
        Assert.NotNull(b[2].Error);
        for (int i = 0; i < paths.Count; i++)
        {
            if (i == 2) continue;
            var pa = a[i].Prediction!.Probabilities;
            var pb = b[i].Prediction!.Probabilities;
            Assert.Equal(1.0, pa.Sum(), 4);
            for (int k = 0; k < pa.Length; k++) Assert.InRange(Math.Abs(pa[k] - pb[k]), 0, 1e-5);
        }
    }

    [Fact]
    public void Predict_images_matches_a_hand_computed_head()
    {
        // With a backbone and head that are both known, the probabilities are softmax(W x + b) of the
        // backbone's features; the features themselves come from ORT running the backbone alone.
        var rng = new Random(5);
        var backbone = TestModels.Backbone(rng);
        var head = TestModels.Head(rng, TestModels.FeatureWidth);
        var w = TensorData.ToFloats(head.Graph.Initializer.First(t => t.Name == "dense/kernel"));
        var bias = TensorData.ToFloats(head.Graph.Initializer.First(t => t.Name == "dense/bias"));
        int n = 3, pixels = TestModels.Size * TestModels.Size * 3;
        var images = Enumerable.Range(0, n * pixels).Select(_ => (float)(rng.NextDouble() * 255)).ToArray();
        var features = TestModels.RunBackbone(backbone, images, n);

        using var predictor = Predictor.FromModels(backbone, head, "conv", ClassNames, new ImageOptions { Size = TestModels.Size },
            new PredictorOptions { BatchSize = 2 });
        var probabilities = predictor.PredictImages(images, n);

        int d = TestModels.FeatureWidth, k = ClassNames.Length;
        for (int i = 0; i < n; i++)
        {
            var logits = new double[k];
            for (int c = 0; c < k; c++)
            {
                logits[c] = bias[c];
                for (int j = 0; j < d; j++) logits[c] += features[i * d + j] * w[j * k + c];
            }
            double max = logits.Max(), sum = logits.Sum(l => Math.Exp(l - max));
            for (int c = 0; c < k; c++) Assert.InRange(Math.Abs(probabilities[i * k + c] - Math.Exp(logits[c] - max) / sum), 0, 1e-5);
        }
    }

    [Fact]
    public void An_unreadable_image_is_a_user_error_naming_the_file()
    {
        using var dir = new TempDir();
        var rng = new Random(2);
        string bad = dir.File("notes.jpg");
        File.WriteAllText(bad, "not an image");
        using var predictor = Predictor.FromModels(TestModels.Backbone(rng), TestModels.Head(rng, TestModels.FeatureWidth), "conv",
            ClassNames, new ImageOptions { Size = TestModels.Size });
        var e = Assert.Throws<OnnxTransferException>(() => predictor.Predict(bad));
        Assert.Contains("notes.jpg", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_an_exported_classifier_is_refused()
    {
        using var dir = new TempDir();
        string path = dir.File("backbone.onnx");
        OnnxModelFile.Save(TestModels.Backbone(new Random(1)), path);
        var e = Assert.Throws<OnnxTransferException>(() => Predictor.FromExportedModel(path));
        Assert.Contains("backbone.onnx", e.Message);
    }

    [Fact]
    public void Concurrent_callers_get_consistent_answers()
    {
        var rng = new Random(9);
        using var predictor = Predictor.FromModels(TestModels.Backbone(rng), TestModels.Head(rng, TestModels.FeatureWidth), "conv",
            ClassNames, new ImageOptions { Size = TestModels.Size }, new PredictorOptions { BatchSize = 2 });
        int pixels = TestModels.Size * TestModels.Size * 3;
        var images = Enumerable.Range(0, 5 * pixels).Select(_ => (float)(rng.NextDouble() * 255)).ToArray();
        var expected = predictor.PredictImages(images, 5);
        Parallel.For(0, 16, _ => Assert.Equal(expected, predictor.PredictImages(images, 5)));
    }

    [Fact]
    public void The_batch_pipeline_keeps_order_and_reports_bad_images_across_batches_like_one_by_one_prediction()
    {
        // Batches of 3 over 11 files: a bad file first, last and at a batch boundary, and one batch of bad files only, so
        // the double-buffered pipeline's compaction and both buffers are exercised. The reference is Predict(path),
        // one file at a time through the same sessions, which does not use the pipeline.
        using var dir = new TempDir();
        var rng = new Random(21);
        var paths = Enumerable.Range(0, 11).Select(i => WriteJpeg(dir.File($"img{i}.jpg"), rng)).ToList();
        int[] bad = [0, 3, 6, 7, 8, 10];
        foreach (int i in bad) File.WriteAllText(paths[i], "not an image");
        using var predictor = Predictor.FromModels(TestModels.Backbone(rng), TestModels.Head(rng, TestModels.FeatureWidth), "conv",
            ClassNames, new ImageOptions { Size = TestModels.Size }, new PredictorOptions { BatchSize = 3 });

        var results = predictor.PredictFiles(paths).ToList();
        Assert.Equal(paths, results.Select(r => r.Path));
        Assert.Equal(bad, results.Select((r, i) => (r, i)).Where(x => x.r.Error is not null).Select(x => x.i));
        Assert.All(bad, i => Assert.Null(results[i].Prediction));
        for (int i = 0; i < paths.Count; i++)
        {
            if (bad.Contains(i)) continue;
            var expected = predictor.Predict(paths[i]).Probabilities;
            var actual = results[i].Prediction!.Probabilities;
            for (int k = 0; k < expected.Length; k++) Assert.InRange(Math.Abs(expected[k] - actual[k]), 0, 1e-6);
        }
    }

    [Fact]
    public void Cancelling_stops_the_batch_pipeline()
    {
        using var dir = new TempDir();
        var rng = new Random(4);
        var paths = Enumerable.Range(0, 8).Select(i => WriteJpeg(dir.File($"img{i}.jpg"), rng)).ToList();
        using var predictor = Predictor.FromModels(TestModels.Backbone(rng), TestModels.Head(rng, TestModels.FeatureWidth), "conv",
            ClassNames, new ImageOptions { Size = TestModels.Size }, new PredictorOptions { BatchSize = 2 });
        using var cancel = new CancellationTokenSource();
        int seen = 0;
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var _ in predictor.PredictFiles(paths, cancel.Token))
                if (++seen == 2) cancel.Cancel();
        });
        Assert.Equal(2, seen);
    }

    private static string WriteJpeg(string path, Random rng)
    {
        using var bitmap = new SKBitmap(20, 14);
        for (int y = 0; y < 14; y++)
            for (int x = 0; x < 20; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256)));
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }
}
