using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Features;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Extraction;

/// <summary>Shards other tools rewrote or damaged: read when they still hold what the format says, refused in one line otherwise.</summary>
public class ShardReaderTests
{
    // DuckDB writes every column as nullable (OPTIONAL), as pandas and Spark do.
    private static string Rewrite(string shard, string target, string labelIndex) =>
        TestData.CopyWithDuckDb(shard, target, $"path, label, {labelIndex} AS label_index, split, \"features.gap\"");

    [Fact]
    public void A_nullable_label_index_is_read_and_a_null_one_is_refused()
    {
        using var input = new TempDir();
        using var output = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 2);
        TestData.ExtractTiny(input.Path, output.Path, new ExtractionOptions { ModelName = "tiny", Threads = 1 });
        string shard = output.File("part-00000.parquet");
        var expected = TestData.ReadWithDuckDb(output.Path, "gap");

        using (var reader = ShardReader.Open(Rewrite(shard, output.File("nullable.parquet"), "label_index"), "fix it"))
        {
            var features = new float[reader.GroupRows(0) * 4];
            var keys = reader.ReadGroup(0, [("gap", 4, features)]);
            Assert.Equal(expected.Select(r => (r.Path, r.LabelIndex)), keys.Select(k => (k.Path, k.LabelIndex)));
        }
        using (var reader = ShardReader.Open(Rewrite(shard, output.File("nulls.parquet"), "CASE WHEN label = 'bees' THEN NULL ELSE label_index END"), "fix it"))
        {
            var e = Assert.Throws<OnnxTransferException>(() => reader.ReadGroup(0, [("gap", 4, new float[reader.GroupRows(0) * 4])]));
            Assert.Contains("has no label_index", e.Message);
            Assert.Contains("bees", e.Message);
        }
    }

    [Fact]
    public void Garbage_is_not_a_readable_parquet_file()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("part-00000.parquet"), [.. "PAR1"u8, 1, 2, 3, 4, 5, 6, 7, 8, .. "PAR1"u8]);
        var e = Assert.Throws<OnnxTransferException>(() => ShardReader.Open(dir.File("part-00000.parquet"), "re-extract it").Dispose());
        Assert.Contains("is not a readable Parquet file", e.Message);
        Assert.EndsWith("re-extract it.", e.Message);
    }
}
