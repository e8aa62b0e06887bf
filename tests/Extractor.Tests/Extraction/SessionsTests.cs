using System.Text.Json;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Features;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Extraction;

/// <summary>Extraction with several ONNX Runtime sessions side by side (<see cref="ExtractionOptions.Sessions"/>).</summary>
public class SessionsTests
{
    private static ExtractionOptions Options(int sessions, int threads, long maxRowGroupBytes = FeatureWriter.DefaultRowGroupBytes) => new()
    {
        ModelName = "tiny", BatchSize = 3, ImagesPerShard = 7, DecodeWorkers = 2, Sessions = sessions, Threads = threads,
        MaxRowGroupBytes = maxRowGroupBytes,
    };

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Several_sessions_write_the_shards_one_session_writes(int sessions)
    {
        using var input = new TempDir();
        using var one = new TempDir();
        using var several = new TempDir();
        var paths = TestData.SplitFolder(input.Path, perClass: 8); // 32 images: shards of 7 end inside batches of 3
        // Failed images among the good ones, so batches carry different numbers of rows.
        File.WriteAllText(input.File("train", "ants", "broken.jpg"), "not an image");
        File.WriteAllBytes(input.File("val", "bees", "empty.png"), []);
        long rowBytes = 4L * (8 * 8 * 4 + 4); // the tiny model: conv 8x8x4 and gap 4
        var reference = TestData.ExtractTiny(input.Path, one.Path, Options(1, 1, 2 * rowBytes));

        // Each of the sessions gets one thread, like the single session: the same arithmetic, so the same bytes.
        var summary = TestData.ExtractTiny(input.Path, several.Path, Options(sessions, sessions, 2 * rowBytes));

        Assert.Equal(sessions, summary.Sessions);
        Assert.Equal(sessions, summary.OrtThreads);
        Assert.Equal((34, 32, 2), (summary.ImagesIn, summary.RowsWritten, summary.Errors));
        Assert.Equal(5, TestData.Shards(several.Path).Count);
        Assert.Equal(TestData.Shards(one.Path).Select(p => (p.Key, p.Value.Hash)), TestData.Shards(several.Path).Select(p => (p.Key, p.Value.Hash)));
        Assert.Equal(File.ReadAllText(one.File(FeatureFormat.ErrorsFile)), File.ReadAllText(several.File(FeatureFormat.ErrorsFile)));
        Assert.Equal(paths, TestData.ReadWithDuckDb(several.Path, "gap").Select(r => r.Path)); // input order
        using var json = JsonDocument.Parse(File.ReadAllText(several.File(FeatureFormat.SummaryFile)));
        Assert.Equal(sessions, json.RootElement.GetProperty("sessions").GetInt32());
        Assert.Equal(1, reference.Sessions);
    }

    [Fact]
    public void A_cancelled_run_with_several_sessions_stops_and_resumes_to_the_same_shards()
    {
        using var input = new TempDir();
        using var interrupted = new TempDir();
        using var fresh = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 10); // 40 images, 6 shards
        var options = Options(3, 3);
        using var cts = new CancellationTokenSource();
        using var extractor = new FeatureExtractor(TestModels.TinyConv(), options);
        var progress = new TestData.SyncProgress(p => { if (p.Done >= 10) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => extractor.ExtractAsync(input.Path, interrupted.Path, progress, cts.Token).GetAwaiter().GetResult());
        Assert.Empty(Directory.GetFiles(interrupted.Path, "*.tmp"));

        var summary = TestData.ExtractTiny(input.Path, interrupted.Path, options);
        Assert.Equal(40, summary.RowsWritten);
        TestData.ExtractTiny(input.Path, fresh.Path, options);
        Assert.Equal(TestData.Shards(fresh.Path).Select(p => (p.Key, p.Value.Hash)), TestData.Shards(interrupted.Path).Select(p => (p.Key, p.Value.Hash)));
    }

    [Fact]
    public void Each_session_needs_a_thread()
    {
        var e = Assert.Throws<OnnxTransferException>(() => new FeatureExtractor(TestModels.TinyConv(), Options(3, 2)));
        Assert.Contains("`Sessions` 3", e.Message);
        Assert.Contains("`Threads` is 2", e.Message);
        e = Assert.Throws<OnnxTransferException>(() => new FeatureExtractor(TestModels.TinyConv(), Options(0, 1)));
        Assert.Contains("`Sessions` 0 must be at least 1", e.Message);
    }
}
