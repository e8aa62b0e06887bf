using Microsoft.ML.OnnxRuntime;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Onnx;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Extraction;

public class RealDataTests
{
    [SharedFact]
    public async Task Hymenoptera_with_real_mobilenetv2_gives_one_row_per_image()
    {
        using var output = new TempDir();
        var model = TestModels.WrappedMobileNetV2(SharedData.Models("mobilenetv2-12-int8.onnx"));
        var options = new ExtractionOptions { ModelName = "mobilenetv2-12-int8", BatchSize = 16, ImagesPerShard = 128 };
        using var extractor = new FeatureExtractor(model, options);
        var summary = await extractor.ExtractAsync(SharedData.Dataset("hymenoptera_data"), output.Path);

        Assert.Equal(397, summary.ImagesIn);
        Assert.Equal(397, summary.RowsWritten + summary.Errors);
        Assert.Equal(397, summary.RowsWritten); // all photos in this set are valid JPEGs
        var rows = TestData.ReadWithDuckDb(output.Path, "logits");
        Assert.Equal(244, rows.Count(r => r.Split == "train"));
        Assert.Equal(153, rows.Count(r => r.Split == "val"));
        Assert.Equal(rows.Count, rows.Select(r => r.Path).Distinct().Count());

        // Spot-check rows against a plain session fed the same preprocessed tensor.
        using var session = new InferenceSession(OnnxModelFile.ToBytes(model));
        foreach (var row in rows.Where((_, i) => i % 97 == 0))
        {
            var pixels = new float[extractor.Image.TensorLength];
            ImageLoader.LoadInto(Path.Combine(SharedData.Dataset("hymenoptera_data"), row.Path), extractor.Image, pixels);
            using var value = OrtValue.CreateTensorValueFromMemory(pixels, [1, 224, 224, 3]);
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, ["image"], [value], [extractor.Features[0].Output]);
            var expected = results[0].GetTensorDataAsSpan<float>().ToArray();
            Assert.Equal(1000, row.Features[0].Length);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - row.Features[0][i]) <= 1e-4f + 1e-4f * Math.Abs(expected[i]), $"{row.Path}[{i}]");
            Assert.True(expected.Max() > expected.Min()); // live logits, not a constant output
        }
    }
}
