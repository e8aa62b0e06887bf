using System.Diagnostics;
using System.Text.Json;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Features;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Extraction;

/// <summary>What a run reports about its stages (decoding against the model) and its batch size.</summary>
public class RunRatesTests
{
    [Fact]
    public void The_summary_gives_the_decode_and_model_rates_and_names_the_slower()
    {
        using var input = new TempDir();
        using var output = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 6);
        var options = new ExtractionOptions { ModelName = "tiny", BatchSize = 5, DecodeWorkers = 2, Threads = 1 };
        var clock = Stopwatch.StartNew();
        var summary = TestData.ExtractTiny(input.Path, output.Path, options);
        double wall = clock.Elapsed.TotalSeconds;

        Assert.Equal(24, summary.ProcessedImages);
        Assert.InRange(summary.DecodeSeconds, 1e-6, wall);
        Assert.InRange(summary.ModelSeconds, 1e-6, wall);
        Assert.Equal(24 / summary.DecodeSeconds, summary.DecodeImagesPerSecond, 1e-9 * summary.DecodeImagesPerSecond);
        Assert.Equal(24 / summary.ModelSeconds, summary.ModelImagesPerSecond, 1e-9 * summary.ModelImagesPerSecond);
        // Each stage takes part of the run, so each kept up at least the run's own rate.
        Assert.True(summary.DecodeImagesPerSecond >= summary.ImagesPerSecond, $"{summary.DecodeImagesPerSecond} < {summary.ImagesPerSecond}");
        Assert.True(summary.ModelImagesPerSecond >= summary.ImagesPerSecond, $"{summary.ModelImagesPerSecond} < {summary.ImagesPerSecond}");
        Assert.Equal(summary.DecodeImagesPerSecond < summary.ModelImagesPerSecond ? "decoding" : "model", summary.Bottleneck);
        Assert.Equal((5, "requested"), (summary.BatchSize, summary.BatchSizeReason));

        using var json = JsonDocument.Parse(File.ReadAllText(output.File(FeatureFormat.SummaryFile)));
        Assert.Equal(summary.DecodeImagesPerSecond, json.RootElement.GetProperty("decode_images_per_second").GetDouble());
        Assert.Equal(summary.ModelImagesPerSecond, json.RootElement.GetProperty("model_images_per_second").GetDouble());
        Assert.Equal(summary.Bottleneck, json.RootElement.GetProperty("bottleneck").GetString());

        // A rerun with nothing left to do ran no stage, and says so rather than dividing by zero.
        var rerun = TestData.ExtractTiny(input.Path, output.Path, options);
        Assert.Equal((0, 0.0, 0.0, ""), (rerun.ProcessedImages, rerun.DecodeImagesPerSecond, rerun.ModelImagesPerSecond, rerun.Bottleneck));
    }

    [Fact]
    public void Auto_batch_size_on_the_cpu_is_the_default()
    {
        using var extractor = new FeatureExtractor(TestModels.TinyConv(), new ExtractionOptions { BatchSize = ExtractionOptions.AutoBatchSize, Threads = 1 });
        Assert.Equal(ExtractionOptions.DefaultBatchSize, extractor.BatchSize);
        Assert.Equal("auto on CPU: the default, larger batches run no faster", extractor.BatchSizeReason);
        var e = Assert.Throws<OnnxTransferException>(() => new FeatureExtractor(TestModels.TinyConv(), new ExtractionOptions { BatchSize = -1 }));
        Assert.Equal("`BatchSize` -1 must be at least 1, or 0 (auto).", e.Message);
    }
}
