using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Features;
using OnnxTransfer.Onnx;
using OnnxTransfer.Tests;
using SkiaSharp;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Extraction;

public class FeatureExtractorTests
{
    private static ExtractionOptions Options(int imagesPerShard = 1024, int batch = 4, int workers = 2,
                                             Interpolation interpolation = Interpolation.Bilinear, bool overwrite = false,
                                             long maxRowGroupBytes = FeatureWriter.DefaultRowGroupBytes) => new()
    {
        ModelName = "tiny", BatchSize = batch, DecodeWorkers = workers, Threads = 1, ImagesPerShard = imagesPerShard,
        Interpolation = interpolation, Overwrite = overwrite, MaxRowGroupBytes = maxRowGroupBytes,
    };

    [Fact]
    public void Features_equal_a_direct_onnx_runtime_run_and_duckdb_reads_them()
    {
        using var input = new TempDir();
        using var output = new TempDir();
        var paths = TestData.SplitFolder(input.Path, perClass: 5);
        var summary = TestData.ExtractTiny(input.Path, output.Path, Options(imagesPerShard: 8, batch: 3));

        Assert.Equal(20, summary.ImagesIn);
        Assert.Equal(20, summary.RowsWritten);
        Assert.Equal(0, summary.Errors);
        Assert.Equal(3, summary.Shards);
        Assert.Equal("cpu", summary.Device);

        var rows = TestData.ReadWithDuckDb(output.Path, "conv", "gap");
        Assert.Equal(paths, rows.Select(r => r.Path));
        Assert.Equal(["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"], rows.Select(r => r.File).Distinct());
        Assert.Equal(["ants", "bees"], JsonSerializer.Deserialize<string[]>(File.ReadAllText(output.File(FeatureFormat.ClassesFile)))!);

        // The reference: each image preprocessed alone and run alone through a plain session.
        var image = new ImageOptions { Size = 16 };
        using var session = new InferenceSession(OnnxModelFile.ToBytes(TestModels.TinyConv()));
        foreach (var row in rows)
        {
            string[] parts = row.Path.Split('/');
            Assert.Equal(parts[0], row.Split);
            Assert.Equal(parts[1], row.Label);
            Assert.Equal(parts[1] == "ants" ? 0 : 1, row.LabelIndex);

            var pixels = new float[image.TensorLength];
            ImageLoader.LoadInto(Path.Combine(input.Path, row.Path), image, pixels);
            using var value = OrtValue.CreateTensorValueFromMemory(pixels, [1, 16, 16, 3]);
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, ["image"], [value], ["conv_nhwc", "gap"]);
            for (int l = 0; l < 2; l++)
            {
                var expected = results[l].GetTensorDataAsSpan<float>().ToArray();
                Assert.Equal(expected.Length, row.Features[l].Length);
                for (int i = 0; i < expected.Length; i++)
                    Assert.True(Math.Abs(expected[i] - row.Features[l][i]) <= 1e-6f + 1e-5f * Math.Abs(expected[i]),
                        $"{row.Path} layer {l} [{i}]: {expected[i]} vs {row.Features[l][i]}");
            }
        }
        Assert.Equal(8 * 8 * 4, rows[0].Features[0].Length); // NHWC 8x8x4 flattened
        Assert.Contains(rows, r => r.Features[1].Any(v => v != 0)); // not all-zero features

        var meta = TestData.MetadataWithDuckDb(output.File("part-00000.parquet"));
        Assert.Equal("tiny", meta[FeatureFormat.ModelNameKey]);
        Assert.Equal(OnnxTransfer.IO.Hashing.Sha256(OnnxModelFile.ToBytes(TestModels.TinyConv())), meta[FeatureFormat.ModelHashKey]);
        // The backbone written beside the shards is the very graph the hash names.
        Assert.Equal(meta[FeatureFormat.ModelHashKey], OnnxTransfer.IO.Hashing.Sha256File(output.File(FeatureFormat.BackboneFile)));
        Assert.Equal("[\"conv\",\"gap\"]", meta[FeatureFormat.LayersKey]);
        Assert.Equal("{\"conv\":[8,8,4],\"gap\":[4]}", meta[FeatureFormat.FeatureShapesKey]);
        Assert.Equal("{\"conv\":\"none\",\"gap\":\"avg\"}", meta[FeatureFormat.PoolKey]);
        Assert.Equal("16", meta[FeatureFormat.InputSizeKey]);
        Assert.Equal("stretch", meta[FeatureFormat.ResizeKey]);
        Assert.Equal("bilinear", meta[FeatureFormat.InterpolationKey]);
        Assert.Equal("true", meta[FeatureFormat.RandomWeightsKey]);
        Assert.StartsWith("RANDOM weights", meta[FeatureFormat.WeightsKey]);
        Assert.Equal(OrtEnv.Instance().GetVersionString(), meta[FeatureFormat.OrtVersionKey]);
        Assert.False(string.IsNullOrEmpty(meta[FeatureFormat.ToolVersionKey]));
        Assert.Equal("none", meta[FeatureFormat.PreprocessKey]);

        using var summaryJson = JsonDocument.Parse(File.ReadAllText(output.File(FeatureFormat.SummaryFile)));
        Assert.Equal(20, summaryJson.RootElement.GetProperty("images_in").GetInt32());
        Assert.Equal(20, summaryJson.RootElement.GetProperty("rows_written").GetInt32());
        Assert.Equal("path\treason\n", File.ReadAllText(output.File(FeatureFormat.ErrorsFile)));
    }

    [Fact]
    public async Task Corrupt_inputs_go_to_errors_tsv_and_the_run_finishes()
    {
        using var input = new TempDir();
        using var output = new TempDir();
        using var clean = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 2);
        TestData.ExtractTiny(input.Path, clean.Path, Options(batch: 3));
        string bees = input.File("train", "bees");
        var jpeg = TestImages.Encode(TestImages.RandomRgba(64, 64, 3), 64, 64, SKEncodedImageFormat.Jpeg, 90);
        File.WriteAllBytes(Path.Combine(bees, "empty.jpg"), []);
        File.WriteAllBytes(Path.Combine(bees, "truncated.jpg"), jpeg[..(jpeg.Length / 2)]);
        File.WriteAllText(Path.Combine(bees, "text.jpg"), "not an image");
        File.WriteAllBytes(Path.Combine(bees, "bomb.png"), TestImages.PngHeaderOnly(50000, 50000));
        File.CreateSymbolicLink(Path.Combine(bees, "unreadable.jpg"), input.File("nowhere.jpg"));
        Directory.CreateDirectory(input.File("train", "wasps")); // an empty class folder

        string? warned = null;
        using var extractor = new FeatureExtractor(TestModels.TinyConv(), Options(batch: 3));
        extractor.Warning += w => warned = w;
        var summary = await extractor.ExtractAsync(input.Path, output.Path);

        Assert.Equal(13, summary.ImagesIn);
        Assert.Equal(8, summary.RowsWritten);
        Assert.Equal(5, summary.Errors);
        Assert.Equal(summary.ImagesIn, summary.RowsWritten + summary.Errors);
        Assert.Contains("train/wasps", warned);
        Assert.Contains(summary.Warnings, w => w.Contains("train/wasps"));
        Assert.Equal(["ants", "bees", "wasps"], JsonSerializer.Deserialize<string[]>(File.ReadAllText(output.File(FeatureFormat.ClassesFile)))!);

        var errors = File.ReadAllLines(output.File(FeatureFormat.ErrorsFile)).Skip(1).Select(l => l.Split('\t')).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(5, errors.Count);
        Assert.Contains("empty file", errors["train/bees/empty.jpg"]);
        Assert.Contains("truncated", errors["train/bees/truncated.jpg"]);
        Assert.Contains("not a supported image", errors["train/bees/text.jpg"]);
        Assert.Contains("50000x50000", errors["train/bees/bomb.png"]);
        Assert.StartsWith("cannot read file", errors["train/bees/unreadable.jpg"]);
        Assert.DoesNotContain(TestData.ReadWithDuckDb(output.Path, "gap"), r => errors.ContainsKey(r.Path));
        // The failed images sit between good ones in the same batches; each good image keeps its own features.
        var expected = TestData.ReadWithDuckDb(clean.Path, "gap").ToDictionary(r => r.Path, r => r.Features[0]);
        var rows = TestData.ReadWithDuckDb(output.Path, "gap");
        Assert.Equal(expected.Keys.Order(), rows.Select(r => r.Path).Order());
        Assert.All(rows, r => Assert.Equal(expected[r.Path], r.Features[0]));
    }

    [Fact]
    public void Shards_written_a_row_group_at_a_time_hold_the_same_rows()
    {
        using var input = new TempDir();
        using var whole = new TempDir();
        using var grouped = new TempDir();
        var paths = TestData.SplitFolder(input.Path, perClass: 5); // 20 images: shards of 8, 8, 4
        TestData.ExtractTiny(input.Path, whole.Path, Options(imagesPerShard: 8, batch: 3));
        // Room for 3 rows of the tiny model's features per row group: groups end inside batches and shards.
        long rowBytes = 4L * TestData.ReadWithDuckDb(whole.Path, "conv", "gap")[0].Features.Sum(f => f.Length);
        TestData.ExtractTiny(input.Path, grouped.Path, Options(imagesPerShard: 8, batch: 3, maxRowGroupBytes: 3 * rowBytes + 1));

        Assert.Equal(1, TestData.RowGroupsWithDuckDb(whole.File("part-00000.parquet")));
        Assert.Equal([3, 3, 2], new[] { "part-00000.parquet", "part-00001.parquet", "part-00002.parquet" }
                                    .Select(f => TestData.RowGroupsWithDuckDb(grouped.File(f))));
        var expected = TestData.ReadWithDuckDb(whole.Path, "conv", "gap");
        var actual = TestData.ReadWithDuckDb(grouped.Path, "conv", "gap");
        Assert.Equal(paths, actual.Select(r => r.Path));
        Assert.Equal(expected.Select(r => (r.File, r.Path, r.Label, r.Split)), actual.Select(r => (r.File, r.Path, r.Label, r.Split)));
        for (int i = 0; i < expected.Count; i++)
            for (int l = 0; l < 2; l++) Assert.Equal(expected[i].Features[l], actual[i].Features[l]);
    }

    [Fact]
    public void Cancelled_run_resumes_without_duplicates_and_leaves_finished_shards_alone()
    {
        using var input = new TempDir();
        using var interrupted = new TempDir();
        using var fresh = new TempDir();
        var paths = TestData.SplitFolder(input.Path, perClass: 6); // 24 images, 6 shards of 4
        var options = Options(imagesPerShard: 4, batch: 2);

        using var cts = new CancellationTokenSource();
        var progress = new TestData.SyncProgress(_ =>
        {
            if (File.Exists(interrupted.File("part-00001.parquet"))) cts.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() => TestData.ExtractTiny(input.Path, interrupted.Path, options, progress, cts.Token));
        var before = TestData.Shards(interrupted.Path);
        Assert.InRange(before.Count, 2, 5);
        Assert.Empty(Directory.GetFiles(interrupted.Path, "*.tmp")); // the shard being written was abandoned, not left half-done
        Assert.False(File.Exists(interrupted.File(FeatureFormat.SummaryFile)));

        Thread.Sleep(20); // so a rewritten shard would get a different timestamp
        var summary = TestData.ExtractTiny(input.Path, interrupted.Path, options);
        // The finished shards, and whatever the stopped run handed on of the shard it was writing (saved as a piece).
        Assert.InRange(summary.ResumedImages, 4 * before.Count, 23);
        Assert.Equal(24, summary.RowsWritten);
        var after = TestData.Shards(interrupted.Path);
        foreach (var (name, state) in before) Assert.Equal(state, after[name]);

        var rows = TestData.ReadWithDuckDb(interrupted.Path, "conv", "gap");
        Assert.Equal(paths, rows.Select(r => r.Path)); // every image exactly once, in order

        // And the result is byte-identical to an uninterrupted run.
        TestData.ExtractTiny(input.Path, fresh.Path, options);
        Assert.Equal(TestData.Shards(fresh.Path).Select(p => (p.Key, p.Value.Hash)), after.Select(p => (p.Key, p.Value.Hash)));
    }

    [Fact]
    public void Rerun_after_kill_finishes_partial_state()
    {
        using var input = new TempDir();
        using var output = new TempDir();
        using var fresh = new TempDir();
        var paths = TestData.SplitFolder(input.Path, perClass: 4); // 16 images, 4 shards of 4
        var options = Options(imagesPerShard: 4, batch: 4);
        TestData.ExtractTiny(input.Path, fresh.Path, options);
        TestData.ExtractTiny(input.Path, output.Path, options);

        // What kill -9 can leave: a shard renamed into place whose record was never written, a shard
        // never finished, and AtomicFile's temp files.
        File.Delete(output.File(".progress", "shard-00001.json"));
        File.Delete(output.File(".progress", "shard-00002.json"));
        File.Delete(output.File("part-00002.parquet"));
        File.WriteAllText(output.File(".part-00002.parquet.4242.0123456789abcdef.tmp"), "half a shard");
        File.WriteAllText(output.File(".progress", ".shard-00002.json.4242.0123456789abcdef.tmp"), "{");
        File.Delete(output.File(FeatureFormat.SummaryFile));
        var before = TestData.Shards(output.Path);
        Thread.Sleep(20);

        var summary = TestData.ExtractTiny(input.Path, output.Path, options);
        Assert.Equal(8, summary.ResumedImages);
        Assert.Equal(16, summary.RowsWritten);
        Assert.Empty(Directory.GetFiles(output.Path, "*.tmp", SearchOption.AllDirectories));
        var after = TestData.Shards(output.Path);
        Assert.Equal(before["part-00000.parquet"], after["part-00000.parquet"]);
        Assert.Equal(before["part-00003.parquet"], after["part-00003.parquet"]);
        Assert.Equal(paths, TestData.ReadWithDuckDb(output.Path, "gap").Select(r => r.Path));
        Assert.Equal(TestData.Shards(fresh.Path).Select(p => (p.Key, p.Value.Hash)), after.Select(p => (p.Key, p.Value.Hash)));
    }

    [Fact]
    public void Runs_are_deterministic_whatever_the_decoder_count()
    {
        using var input = new TempDir();
        using var a = new TempDir();
        using var b = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 5);
        TestData.ExtractTiny(input.Path, a.Path, Options(imagesPerShard: 6, batch: 4, workers: 1));
        TestData.ExtractTiny(input.Path, b.Path, Options(imagesPerShard: 6, batch: 4, workers: 4));
        var shardsA = TestData.Shards(a.Path);
        Assert.Equal(4, shardsA.Count);
        Assert.Equal(shardsA.Select(p => (p.Key, p.Value.Hash)), TestData.Shards(b.Path).Select(p => (p.Key, p.Value.Hash)));
    }

    [Fact]
    public void Different_options_into_the_same_folder_need_overwrite()
    {
        using var input = new TempDir();
        using var output = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 2);
        TestData.ExtractTiny(input.Path, output.Path, Options());
        var e = Assert.Throws<OnnxTransferException>(() => TestData.ExtractTiny(input.Path, output.Path, Options(interpolation: Interpolation.Area)));
        Assert.Contains("interpolation", e.Message);
        Assert.Contains("`Overwrite`", e.Message);

        var summary = TestData.ExtractTiny(input.Path, output.Path, Options(interpolation: Interpolation.Area, overwrite: true));
        Assert.Equal(8, summary.RowsWritten);
        Assert.Equal(0, summary.ResumedImages);
        Assert.Equal("area", TestData.MetadataWithDuckDb(output.File("part-00000.parquet"))[FeatureFormat.InterpolationKey]);
    }

    [Fact]
    public async Task Large_outputs_warn_and_suggest_pooling()
    {
        using var input = new TempDir();
        using var output = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 1);
        var options = new ExtractionOptions { ModelName = "tiny", WarnTotalBytes = 1000 };
        using var extractor = new FeatureExtractor(TestModels.TinyConv(), options);
        var warnings = new List<string>();
        extractor.Warning += warnings.Add;
        await extractor.ExtractAsync(input.Path, output.Path);
        // 4 images x (256 + 4) floats x 4 bytes.
        Assert.Contains(warnings, w => w.Contains("`Pool` avg") && w.Contains("1.0 KiB per image"));
    }

    [Fact]
    public void Model_without_feature_outputs_is_refused()
    {
        var model = TestModels.TinyConv();
        var info = OnnxTransfer.Models.ModelInfo.Read(model);
        info.Features = [];
        model.MetadataProps.Clear();
        info.WriteTo(model);
        var e = Assert.Throws<OnnxTransferException>(() => new FeatureExtractor(model, new ExtractionOptions()));
        Assert.Contains("`GraphTruncator.Truncate`", e.Message);
    }

    [Fact]
    public void Input_size_option_changes_feature_shapes()
    {
        using var extractor = new FeatureExtractor(TestModels.TinyConv(), new ExtractionOptions { InputSize = 10 });
        Assert.Equal([5L, 5, 4], extractor.FeatureShapes[0]);
        Assert.Equal([4L], extractor.FeatureShapes[1]);
    }
}
