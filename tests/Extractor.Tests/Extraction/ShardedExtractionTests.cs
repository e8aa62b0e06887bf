using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Features;
using OnnxTransfer.IO;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Extraction;

/// <summary>
/// Shard tasks (<see cref="ExtractionShard"/>) writing one feature set into one folder: their union is one run's
/// extraction, byte for byte; an unfinished or foreign shard is named by verify and refused by readers.
/// </summary>
public class ShardedExtractionTests
{
    /// <summary>28 images (7 per split and class) and one corrupt one: 29 images, 4 parts of 8 for 4 shards.</summary>
    private static List<string> Photos(string root, int seed = 1)
    {
        var paths = TestData.SplitFolder(root, perClass: 7, seed);
        File.WriteAllBytes(Path.Combine(root, "train", "bees", "broken.jpg"), [0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3]);
        return paths;
    }

    private const int Images = 29, PerPart = 8;

    private static void AddClass(string root, string name)
    {
        Directory.CreateDirectory(Path.Combine(root, "train", name));
        File.WriteAllBytes(Path.Combine(root, "train", name, "one.png"), TestImages.Encode(TestImages.RandomRgba(12, 12, 7), 12, 12, SkiaSharp.SKEncodedImageFormat.Png, 90));
    }

    private static ExtractionOptions Options(ExtractionShard shard, int imagesPerShard = 1024) => new()
    {
        ModelName = "tiny", BatchSize = 3, DecodeWorkers = 2, Threads = 1, Shard = shard, ImagesPerShard = imagesPerShard,
    };

    private static ExtractionSummary Extract(string input, string output, ExtractionShard shard, int seed = 1, int imagesPerShard = 1024)
    {
        using var extractor = new FeatureExtractor(TestModels.TinyConv(seed: seed), Options(shard, imagesPerShard));
        return extractor.ExtractAsync(input, output).GetAwaiter().GetResult();
    }

    /// <summary>The folder's part files and the files every reader uses, by name, with their SHA-256.</summary>
    private static Dictionary<string, string> Outputs(string dir) =>
        Directory.GetFiles(dir, "part-*.parquet").Append(Path.Combine(dir, FeatureFormat.ClassesFile)).Append(Path.Combine(dir, FeatureFormat.ErrorsFile))
            .Append(Path.Combine(dir, FeatureFormat.InputsFile)).Append(Path.Combine(dir, FeatureFormat.BackboneFile))
            .Where(File.Exists).ToDictionary(f => Path.GetFileName(f), Hashing.Sha256File);

    [Fact]
    public void Four_shards_run_one_after_another_into_one_folder_write_the_bytes_of_one_run()
    {
        using var input = new TempDir();
        using var sharded = new TempDir();
        using var single = new TempDir();
        Photos(input.Path);
        var one = Extract(input.Path, single.Path, ExtractionShard.Whole, imagesPerShard: PerPart);
        var summaries = Enumerable.Range(0, 4).Select(k => Extract(input.Path, sharded.Path, new ExtractionShard(k, 4))).ToList();

        Assert.Equal(Enumerable.Range(0, 4).Select(k => $"{k}/4"), summaries.Select(s => s.Shard));
        Assert.Equal([0, 1, 2, 3], summaries.Select(s => s.FirstPart));
        Assert.Equal([8, 8, 8, 5], summaries.Select(s => s.ImagesIn));
        Assert.Equal([false, false, false, true], summaries.Select(s => s.SetComplete));
        Assert.Equal(Images, summaries.Sum(s => s.ImagesIn));
        Assert.Equal(one.RowsWritten, summaries.Sum(s => s.RowsWritten));
        Assert.Equal(1, summaries.Sum(s => s.Errors));
        Assert.All(summaries, s => Assert.Equal(s.ImagesIn, s.RowsWritten + s.Errors));
        // Same part files, same bytes: the shard count changes which process writes a part, nothing in it.
        Assert.Equal(Outputs(single.Path), Outputs(sharded.Path));
        Assert.Equal(4, Directory.GetFiles(sharded.Path, FeatureFormat.ShardSummaryPattern).Length);

        var check = FeatureSet.Verify(sharded.Path);
        Assert.True(check.IsComplete, string.Join("\n", check.Problems));
        Assert.Equal((4, Images, 28, 1), (check.ShardCount, check.Images, check.Rows, check.Errors));
        var a = FeatureSet.Load(single.Path, "gap");
        var b = FeatureSet.Load(sharded.Path, "gap");
        Assert.Equal(a.Paths, b.Paths);
        Assert.Equal(a.Labels, b.Labels);
        Assert.Equal(a.Features.ToArray(), b.Features.ToArray());
    }

    [Fact]
    public async Task Four_shard_tasks_started_together_share_the_folder_and_make_one_run()
    {
        using var input = new TempDir();
        using var sharded = new TempDir();
        using var single = new TempDir();
        Photos(input.Path);
        Extract(input.Path, single.Path, ExtractionShard.Whole, imagesPerShard: PerPart);
        // Separate threads, so the four race for the manifest, inputs.tsv, classes.json and backbone.onnx.
        var tasks = Enumerable.Range(0, 4).Select(k => Task.Factory.StartNew(() => Extract(input.Path, sharded.Path, new ExtractionShard(k, 4)),
                                                                                TaskCreationOptions.LongRunning)).ToArray();
        var summaries = await Task.WhenAll(tasks);
        Assert.Contains(summaries, s => s.SetComplete); // whoever finished last wrote errors.tsv
        Assert.Equal(Outputs(single.Path), Outputs(sharded.Path));
        Assert.True(FeatureSet.Verify(sharded.Path).IsComplete);
        Assert.Empty(Directory.GetFiles(sharded.Path, ".*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void An_unfinished_shard_is_named_with_its_images_and_readers_refuse_the_set_unless_allowed_partial()
    {
        using var input = new TempDir();
        using var output = new TempDir();
        using var single = new TempDir();
        Photos(input.Path);
        Extract(input.Path, single.Path, ExtractionShard.Whole, imagesPerShard: PerPart);
        foreach (int k in new[] { 0, 1, 3 }) Extract(input.Path, output.Path, new ExtractionShard(k, 4));

        var check = FeatureSet.Verify(output.Path);
        Assert.False(check.IsComplete);
        Assert.Equal([true, true, false, true], check.Shards.Select(s => s.Complete));
        Assert.Empty(check.Problems);
        Assert.Empty(check.DuplicateImages);
        // Exactly the images of part 2: the third run of 8 in the sorted input.
        var part2 = FeatureSetManifest.ReadInputs(single.Path)!.Skip(16).Take(8).Select(i => i.Path);
        Assert.Equal(part2, check.MissingImages);
        Assert.False(File.Exists(output.File(FeatureFormat.ErrorsFile)));

        var e = Assert.Throws<OnnxTransferException>(() => FeatureSet.Load(output.Path, "gap"));
        Assert.Contains("shard 2/4 (1 of 1 part files missing, first part-00002.parquet) of 4 unfinished", e.Message);
        Assert.Contains("`Shard` K/N", e.Message);
        var partial = FeatureSet.Load(output.Path, "gap", allowPartial: true);
        Assert.Equal(check.Rows, partial.Rows);

        Extract(input.Path, output.Path, new ExtractionShard(2, 4));
        Assert.True(FeatureSet.Verify(output.Path).IsComplete);
        Assert.Equal(Outputs(single.Path), Outputs(output.Path));
    }

    [Theory]
    [InlineData("count", "shards: 4 -> 3")]
    [InlineData("model", "model_sha256: ")]
    [InlineData("classes", "classes: [\"ants\",\"bees\"] -> [\"ants\",\"bees\",\"wasps\"]")]
    public void A_shard_task_with_another_count_model_or_class_list_is_refused_before_it_writes(string change, string difference)
    {
        using var input = new TempDir();
        using var output = new TempDir();
        Photos(input.Path);
        Extract(input.Path, output.Path, new ExtractionShard(0, 4));
        var before = Outputs(output.Path);
        if (change == "classes") AddClass(input.Path, "wasps");
        var e = Assert.Throws<OnnxTransferException>(() =>
            Extract(input.Path, output.Path, change == "count" ? new ExtractionShard(1, 3) : new ExtractionShard(1, 4), seed: change == "model" ? 2 : 1));
        Assert.Contains(difference, e.Message);
        Assert.Contains("every shard task of one folder needs the same model, options, input and shard count", e.Message);
        Assert.Equal(before, Outputs(output.Path));
    }

    [Theory]
    [InlineData("classes", "classes: ")]
    [InlineData("model", "model_sha256: ")]
    [InlineData("count", "shards: 3 -> 4")]
    public void A_part_copied_in_from_another_extraction_is_named_by_verify_and_refused_by_readers(string change, string difference)
    {
        using var input = new TempDir();
        using var other = new TempDir();
        using var output = new TempDir();
        using var foreign = new TempDir();
        Photos(input.Path);
        Photos(other.Path);
        if (change == "classes") AddClass(other.Path, "wasps");
        int count = change == "count" ? 3 : 4;
        for (int k = 0; k < 4; k++) Extract(input.Path, output.Path, new ExtractionShard(k, 4));
        for (int k = 0; k < count; k++) Extract(other.Path, foreign.Path, new ExtractionShard(k, count), seed: change == "model" ? 2 : 1);
        foreach (string f in new[] { "part-00001.parquet", Path.Combine(FeatureSetManifest.ProgressDir, "shard-00001.json") })
            File.Copy(foreign.File(f), output.File(f), overwrite: true);

        var check = FeatureSet.Verify(output.Path);
        Assert.False(check.IsComplete);
        string problem = Assert.Single(check.Problems);
        Assert.StartsWith($"Part '{output.File("part-00001.parquet")}' (written by shard 1/{count}) comes from an extraction with other settings", problem);
        Assert.Contains(difference, problem);
        Assert.Contains("then rerun shard 1/4", problem);
        Assert.Equal([true, false, true, true], check.Shards.Select(s => s.Complete));
        var e = Assert.Throws<OnnxTransferException>(() => FeatureSet.Load(output.Path, "gap"));
        Assert.Equal(problem, e.Message);
    }

    [Fact]
    public void An_image_counted_twice_is_listed_as_a_duplicate()
    {
        using var input = new TempDir();
        using var output = new TempDir();
        Photos(input.Path);
        for (int k = 0; k < 4; k++) Extract(input.Path, output.Path, new ExtractionShard(k, 4));
        // Part 0's record also lists its first row's image as failed: that image is there twice.
        var record = FeatureSetManifest.ReadRecord(output.Path, 0)!;
        string first = FeatureSet.Load(output.Path, "gap").Paths[0];
        FeatureSetManifest.WriteRecord(output.Path, record with { Errors = [.. record.Errors, [first, "made up"]] });

        var check = FeatureSet.Verify(output.Path);
        Assert.Equal([first], check.DuplicateImages);
        Assert.Empty(check.MissingImages);
        Assert.Empty(check.Problems);
        Assert.False(check.IsComplete);
    }

    [Fact]
    public void Overwrite_is_refused_for_a_shard_task_since_it_would_delete_the_other_shards_work()
    {
        using var input = new TempDir();
        using var output = new TempDir();
        Photos(input.Path);
        Extract(input.Path, output.Path, new ExtractionShard(0, 4));
        var before = Outputs(output.Path);
        var options = new ExtractionOptions { ModelName = "tiny", Threads = 1, Shard = new ExtractionShard(1, 4), Overwrite = true };
        using var overwriting = new FeatureExtractor(TestModels.TinyConv(), options);
        var e = Assert.Throws<OnnxTransferException>(() => overwriting.ExtractAsync(input.Path, output.Path).GetAwaiter().GetResult());
        Assert.StartsWith("`Overwrite` cannot be combined with `Shard` 1/4", e.Message);
        Assert.Equal(before, Outputs(output.Path));
    }

    [Fact]
    public void Shard_ranges_give_every_part_to_exactly_one_task_in_contiguous_runs_differing_by_at_most_one()
    {
        for (int parts = 0; parts <= 40; parts++)
            for (int count = 1; count <= 12; count++)
            {
                var ranges = Enumerable.Range(0, count).Select(k => FeatureSetManifest.PartsOf(k, count, parts)).ToList();
                Assert.Equal(0, ranges[0].First);
                Assert.Equal(parts, ranges[^1].End);
                for (int k = 1; k < count; k++) Assert.Equal(ranges[k - 1].End, ranges[k].First);
                var sizes = ranges.Select(r => r.End - r.First).ToList();
                Assert.True(sizes.Max() - sizes.Min() <= 1, $"{parts} parts over {count}: {string.Join(",", sizes)}");
                for (int p = 0; p < parts; p++)
                {
                    int owner = FeatureSetManifest.OwnerOf(p, count, parts);
                    Assert.InRange(p, ranges[owner].First, ranges[owner].End - 1);
                }
            }
    }
}
