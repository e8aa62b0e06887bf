using OnnxTransfer.Features;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.HeadTrainer.Tests;

public class FeatureSetReaderTests
{
    /// <summary>The reader reuses its level buffers across row groups and reads values in place: groups that grow and shrink must not mix rows.</summary>
    [Fact]
    public void Rows_come_back_exactly_across_row_groups_of_different_sizes()
    {
        using var dir = new TempDir();
        var (features, labels) = SyntheticFeatures.Write(dir.Path, 30, 5, 3, groups: [2, 7, 1, 4]);
        var set = FeatureSetReader.Read(dir.Path);
        Assert.Equal(features, set.Features);
        Assert.Equal(labels, set.Labels);
        Assert.Equal(Enumerable.Range(0, 30).Select(r => $"img{r:D4}.jpg"), set.Paths.Select(Path.GetFileName));
    }

    [Fact]
    public void A_non_finite_feature_in_a_later_row_group_names_its_row()
    {
        using var dir = new TempDir();
        SyntheticFeatures.Write(dir.Path, 30, 5, 3, groups: [7, 2], tamper: f => f[11 * 5 + 4] = float.PositiveInfinity);
        var e = Assert.Throws<OnnxTransferException>(() => FeatureSetReader.Read(dir.Path));
        Assert.Contains("img0011.jpg", e.Message);
        Assert.Contains("index 4", e.Message);
    }

    [Fact]
    public void A_flipped_bit_in_any_shard_is_found_before_training()
    {
        using var dir = new TempDir();
        SyntheticFeatures.Write(dir.Path, 30, 5, 3);
        string shard = dir.File("part-00001.parquet");
        var bytes = File.ReadAllBytes(shard);
        bytes[bytes.Length / 3] ^= 0x01; // inside the data pages, where Parquet itself may not notice
        File.WriteAllBytes(shard, bytes);
        var e = Assert.Throws<OnnxTransferException>(() => FeatureSetReader.Read(dir.Path));
        Assert.Contains("part-00001.parquet", e.Message);
        Assert.Contains("damaged", e.Message);
        Assert.Contains("rerun the same extraction", e.Message);

        File.WriteAllBytes(shard, bytes[..^10]);
        Assert.Contains("bytes, but", Assert.Throws<OnnxTransferException>(() => FeatureSetReader.Read(dir.Path)).Message);
    }

    [Fact]
    public void An_unfinished_extraction_is_refused_unless_partial_is_allowed()
    {
        using var dir = new TempDir();
        SyntheticFeatures.Write(dir.Path, 30, 5, 3);
        File.Delete(dir.File(".progress", "shard-00001.json")); // what a killed run leaves: shard 1 not finished
        var e = Assert.Throws<OnnxTransferException>(() => FeatureSetReader.Read(dir.Path));
        Assert.Contains("incomplete: 1 of 2 shards", e.Message);
        Assert.Contains("`AllowPartial`", e.Message);

        var set = FeatureSetReader.Read(dir.Path, allowPartial: true);
        Assert.Equal(15, set.Rows);
        Assert.Contains(set.Warnings, w => w.Contains("only 1 of 2 shards"));
    }

    [Fact]
    public void A_shard_that_is_not_part_of_the_set_is_refused()
    {
        using var dir = new TempDir();
        SyntheticFeatures.Write(dir.Path, 30, 5, 3);
        File.Copy(dir.File("part-00001.parquet"), dir.File("part-00002.parquet"));
        Assert.Contains("part-00002.parquet' is not a shard of this feature set", Assert.Throws<OnnxTransferException>(() => FeatureSetReader.Read(dir.Path)).Message);
    }

    [Theory]
    [InlineData(-5, "class1", "label index -5, outside the 3 classes")]
    [InlineData(3, "class1", "label index 3, outside the 3 classes")]
    [InlineData(2, "class1", "labelled 'class1' but its index 2 is 'class2'")]
    public void Labels_outside_or_disagreeing_with_the_class_list_are_refused(int index, string label, string expected)
    {
        using var dir = new TempDir();
        SyntheticFeatures.Write(dir.Path, 30, 5, 3, relabel: (r, key) => r == 17 ? key with { LabelIndex = index, Label = label } : key);
        var e = Assert.Throws<OnnxTransferException>(() => FeatureSetReader.Read(dir.Path));
        Assert.Contains("img0017.jpg", e.Message);
        Assert.Contains(expected, e.Message);
    }
}
