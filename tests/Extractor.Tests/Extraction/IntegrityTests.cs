using System.Text.Json;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Features;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Extraction;

/// <summary>Nothing silently wrong on messy folders and interrupted runs: class lists, link loops, damaged shards, pieces.</summary>
public class IntegrityTests
{
    private static ExtractionOptions Options(int imagesPerShard = 1024, int batch = 4, bool overwrite = false, TimeSpan? checkpoint = null,
                                             FeatureDtype dtype = FeatureDtype.Float32) => new()
    {
        ModelName = "tiny", BatchSize = batch, DecodeWorkers = 2, Threads = 1, ImagesPerShard = imagesPerShard, Overwrite = overwrite,
        CheckpointInterval = checkpoint ?? TimeSpan.FromMinutes(10), Dtype = dtype,
    };

    private static string[] Classes(string dir) => JsonSerializer.Deserialize<string[]>(File.ReadAllText(Path.Combine(dir, FeatureFormat.ClassesFile)))!;

    [Fact]
    public void A_class_folder_added_between_runs_is_refused_and_overwrite_renumbers_every_label()
    {
        using var input = new TempDir();
        using var output = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 2);
        TestData.ExtractTiny(input.Path, output.Path, Options());
        Directory.CreateDirectory(input.File("train", "aaa")); // an empty class sorts first: every index would shift

        var e = Assert.Throws<OnnxTransferException>(() => TestData.ExtractTiny(input.Path, output.Path, Options()));
        Assert.Contains("classes", e.Message);
        Assert.Contains("`Overwrite`", e.Message);
        Assert.Equal(["ants", "bees"], Classes(output.Path)); // nothing rewritten
        Assert.All(TestData.ReadWithDuckDb(output.Path, "gap"), r => Assert.Equal(r.Label == "ants" ? 0 : 1, r.LabelIndex));

        TestData.ExtractTiny(input.Path, output.Path, Options(overwrite: true));
        Assert.Equal(["aaa", "ants", "bees"], Classes(output.Path));
        Assert.All(TestData.ReadWithDuckDb(output.Path, "gap"), r => Assert.Equal(r.Label == "ants" ? 1 : 2, r.LabelIndex));
    }

    [Fact]
    public async Task An_output_folder_inside_the_input_folder_is_never_read_as_input()
    {
        using var input = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 2);
        string inside = input.File("train", "features"); // would be a class folder of its own
        var first = TestData.ExtractTiny(input.Path, inside, Options());
        var rerun = TestData.ExtractTiny(input.Path, inside, Options());
        Assert.Equal(8, first.RowsWritten);
        Assert.Equal(8, rerun.ResumedImages);
        Assert.Equal(["ants", "bees"], Classes(inside));

        // Another run's output beside it is skipped too, and said.
        using var extractor = new FeatureExtractor(TestModels.TinyConv(), Options());
        var warnings = new List<string>();
        extractor.Warning += warnings.Add;
        string other = input.File("features-2");
        await extractor.ExtractAsync(input.Path, other);
        Assert.Equal(["ants", "bees"], Classes(other));
        Assert.Contains(warnings, w => w.Contains("'train/features' is an onnx-transfer output folder"));
    }

    [Fact]
    public void Folder_link_loops_and_second_links_add_no_rows()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("x.jpg"), [1]);
        Directory.CreateDirectory(dir.File("d", "c", "sub"));
        Directory.CreateDirectory(dir.File("d", "e"));
        File.WriteAllBytes(dir.File("d", "c", "a.jpg"), [1]);
        File.WriteAllBytes(dir.File("d", "c", "sub", "b.jpg"), [1]);
        Directory.CreateSymbolicLink(dir.File("d", "c", "sub", "up"), ".."); // a loop: sub/up/sub/up/...
        Directory.CreateSymbolicLink(dir.File("d", "e", "again"), "../c"); // a second way into c
        File.CreateSymbolicLink(dir.File("d", "e", "same.jpg"), "../c/a.jpg"); // a file reached twice
        File.CreateSymbolicLink(dir.File("d", "e", "own.jpg"), "../../x.jpg"); // a link to a file outside: a real input

        var set = InputScanner.Scan(dir.File("d"));
        Assert.Equal(["c/a.jpg", "c/sub/b.jpg", "e/own.jpg"], set.Items.Select(i => i.RelativePath));
        Assert.Equal(["c", "e"], set.Classes);
        Assert.Contains(set.Warnings, w => w.Contains("'c/sub/up' leads back to 'c'") && w.Contains("loop"));
        Assert.Contains(set.Warnings, w => w.Contains("'e/again' is 'c', already scanned"));
        Assert.Contains(set.Warnings, w => w.Contains("1 file(s) reached a second time") && w.Contains("'e/same.jpg' is 'c/a.jpg'"));
    }

    [Fact]
    public async Task A_damaged_shard_is_extracted_again_by_a_rerun()
    {
        using var input = new TempDir();
        using var output = new TempDir();
        using var fresh = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 4); // 16 images, 4 shards
        TestData.ExtractTiny(input.Path, fresh.Path, Options(imagesPerShard: 4));
        TestData.ExtractTiny(input.Path, output.Path, Options(imagesPerShard: 4));
        FlipByte(output.File("part-00002.parquet"));

        using var extractor = new FeatureExtractor(TestModels.TinyConv(), Options(imagesPerShard: 4));
        var warnings = new List<string>();
        extractor.Warning += warnings.Add;
        var summary = await extractor.ExtractAsync(input.Path, output.Path);
        Assert.Equal(12, summary.ResumedImages);
        Assert.Contains(warnings, w => w.Contains("part-00002.parquet") && w.Contains("damaged") && w.Contains("extracting it again"));
        Assert.Equal(TestData.Shards(fresh.Path).Select(p => (p.Key, p.Value.Hash)), TestData.Shards(output.Path).Select(p => (p.Key, p.Value.Hash)));
    }

    [Theory]
    [InlineData(FeatureDtype.Float32)]
    [InlineData(FeatureDtype.Float16)] // the pieces' rounded values go through the writer again, unchanged
    public void Checkpoints_save_pieces_and_the_finished_shards_are_the_same_bytes(FeatureDtype dtype)
    {
        using var input = new TempDir();
        using var plain = new TempDir();
        using var pieced = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 5); // 20 images: shards of 8, 8, 4
        TestData.ExtractTiny(input.Path, plain.Path, Options(imagesPerShard: 8, batch: 3, dtype: dtype));
        // A checkpoint after every batch: each shard is saved in pieces, then written again as one file.
        TestData.ExtractTiny(input.Path, pieced.Path, Options(imagesPerShard: 8, batch: 3, checkpoint: TimeSpan.FromTicks(1), dtype: dtype));
        Assert.Equal(TestData.Shards(plain.Path).Select(p => (p.Key, p.Value.Hash)), TestData.Shards(pieced.Path).Select(p => (p.Key, p.Value.Hash)));
        Assert.Empty(Directory.GetFiles(pieced.File(".progress"), "*piece*"));
    }

    [Fact]
    public async Task A_stopped_run_keeps_the_shard_in_progress_and_the_rerun_ends_with_the_same_bytes()
    {
        using var input = new TempDir();
        using var stopped = new TempDir();
        using var fresh = new TempDir();
        var paths = TestData.SplitFolder(input.Path, perClass: 6); // 24 images, one shard
        var options = Options(batch: 2);
        TestData.ExtractTiny(input.Path, fresh.Path, options);

        using var cts = new CancellationTokenSource();
        var progress = new TestData.SyncProgress(p => { if (p.Done >= 10) cts.Cancel(); });
        // One extractor for both runs: stopping it must leave its sessions usable.
        using var extractor = new FeatureExtractor(TestModels.TinyConv(), options);
        var e = await Assert.ThrowsAsync<ExtractionCancelledException>(() => extractor.ExtractAsync(input.Path, stopped.Path, progress, cts.Token));
        Assert.InRange(e.Saved, 10, 23); // all that was handed on before the stop, though no shard was finished
        Assert.Equal(24, e.Total);
        Assert.Contains("rerun the same command to continue", e.Message);
        Assert.Empty(Directory.GetFiles(stopped.Path, "part-*.parquet"));
        Assert.Empty(Directory.GetFiles(stopped.Path, "*.tmp", SearchOption.AllDirectories));
        Assert.NotEmpty(Directory.GetFiles(stopped.File(".progress"), "part-00000.piece-*.parquet"));

        var summary = await extractor.ExtractAsync(input.Path, stopped.Path);
        Assert.Equal(e.Saved, summary.ResumedImages);
        Assert.Equal(24, summary.RowsWritten);
        Assert.Equal(paths, TestData.ReadWithDuckDb(stopped.Path, "gap").Select(r => r.Path));
        Assert.Equal(TestData.Shards(fresh.Path).Select(p => (p.Key, p.Value.Hash)), TestData.Shards(stopped.Path).Select(p => (p.Key, p.Value.Hash)));
        Assert.Empty(Directory.GetFiles(stopped.File(".progress"), "*piece*"));
    }

    [Fact]
    public async Task A_damaged_piece_is_dropped_with_those_after_it_and_redone()
    {
        using var input = new TempDir();
        using var output = new TempDir();
        using var fresh = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 6); // 24 images, one shard
        var options = Options(batch: 2, checkpoint: TimeSpan.FromTicks(1));
        TestData.ExtractTiny(input.Path, fresh.Path, Options(batch: 2));

        using var cts = new CancellationTokenSource();
        var progress = new TestData.SyncProgress(p => { if (p.Done >= 16) cts.Cancel(); });
        Assert.Throws<ExtractionCancelledException>(() => TestData.ExtractTiny(input.Path, output.Path, options, progress, cts.Token));
        var pieces = Directory.GetFiles(output.File(".progress"), "part-00000.piece-*.parquet").Order(StringComparer.Ordinal).ToArray();
        Assert.True(pieces.Length >= 3, $"{pieces.Length} pieces");
        FlipByte(pieces[1]);

        using var extractor = new FeatureExtractor(TestModels.TinyConv(), options);
        var warnings = new List<string>();
        extractor.Warning += warnings.Add;
        var summary = await extractor.ExtractAsync(input.Path, output.Path);
        Assert.Equal(2, summary.ResumedImages); // piece 0 (one batch) survives
        Assert.Contains(warnings, w => w.Contains("damaged from piece 1"));
        Assert.Equal(TestData.Shards(fresh.Path).Select(p => (p.Key, p.Value.Hash)), TestData.Shards(output.Path).Select(p => (p.Key, p.Value.Hash)));
    }

    internal static void FlipByte(string file)
    {
        var bytes = File.ReadAllBytes(file);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(file, bytes);
    }
}
