using OnnxTransfer.HeadTrainer.Data;
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
}
