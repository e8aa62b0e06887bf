using OnnxTransfer.Extractor.Runtime;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Runtime;

/// <summary>The auto batch size's search, on a fake GPU that holds a given number of images.</summary>
public class BatchSizeSearchTests
{
    [Theory]
    [InlineData(100, 1024, 64, "128 ran out of GPU memory", new[] { 32, 64, 128 })]
    [InlineData(5000, 1024, 1024, "the largest tried (1024 at most)", new[] { 32, 64, 128, 256, 512, 1024 })]
    [InlineData(5000, 256, 256, "the largest tried (256 at most)", new[] { 32, 64, 128, 256 })]
    [InlineData(32, 1024, 32, "64 ran out of GPU memory", new[] { 32, 64 })]
    [InlineData(20, 1024, 16, "32 ran out of GPU memory", new[] { 32, 16 })]
    [InlineData(1, 1024, 1, "2 ran out of GPU memory", new[] { 32, 16, 8, 4, 2, 1 })]
    public void Takes_the_largest_power_of_two_that_ran(int holds, int cap, int expected, string reason, int[] tried)
    {
        var trials = new List<int>();
        var found = BatchSizeSearch.Find(32, cap, n => { trials.Add(n); return n <= holds; });
        Assert.Equal((expected, reason), found);
        Assert.Equal(tried, trials);
    }

    [Fact]
    public void Fails_when_not_even_one_image_fits()
    {
        var e = Assert.Throws<OnnxTransferException>(() => BatchSizeSearch.Find(32, 1024, _ => false));
        Assert.Equal("`BatchSize` auto: not even one image fits in GPU memory; use a smaller `InputSize` or another device.", e.Message);
    }

    [Fact]
    public void Other_failures_are_not_taken_for_a_full_gpu() =>
        Assert.Throws<InvalidOperationException>(() => BatchSizeSearch.Find(32, 1024, n => n < 64 ? true : throw new InvalidOperationException("not memory")));
}
