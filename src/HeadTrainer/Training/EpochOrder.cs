using OnnxTransfer.Features;

namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>
/// The order of a streamed training epoch, when the training rows do not fit one window: the row groups that hold
/// training rows are shuffled (a full random permutation), then dealt, in that order, into windows of at most
/// <c>windowRows</c> rows, and the rows of each window are shuffled (a full permutation within the window). Every
/// row is visited once an epoch. Compared with a full shuffle, two rows share a batch only if their groups share a
/// window: with W rows a window and G rows a group (the extractor writes groups of at most 4 MiB: 41 rows of VGG19
/// block5_pool), a batch is drawn from about W/G random groups rather than from all of them.
/// </summary>
internal static class EpochOrder
{
    /// <summary>The epoch's row order and its window starts (ending with the row count).</summary>
    public static (int[] Order, int[] WindowStarts) Windowed(FeatureSet data, int[] train, int windowRows, Rng rng)
    {
        // train is in stored order, so each group's training rows are one run of it.
        var runs = new List<(int Start, int Count)>();
        for (int i = 0, g = -1; i < train.Length; i++)
        {
            int group = data.GroupOf(train[i]);
            if (group != g) runs.Add((i, 0));
            runs[^1] = (runs[^1].Start, runs[^1].Count + 1);
            g = group;
        }
        var dealt = Enumerable.Range(0, runs.Count).ToArray();
        rng.Shuffle(dealt.AsSpan());
        var order = new int[train.Length];
        var starts = new List<int> { 0 };
        int filled = 0, windowStart = 0;
        foreach (int r in dealt)
        {
            var (start, count) = runs[r];
            if (filled - windowStart + count > windowRows && filled > windowStart)
            {
                rng.Shuffle(order.AsSpan(windowStart, filled - windowStart));
                windowStart = filled;
                starts.Add(filled);
            }
            train.AsSpan(start, count).CopyTo(order.AsSpan(filled));
            filled += count;
        }
        rng.Shuffle(order.AsSpan(windowStart, filled - windowStart));
        starts.Add(filled);
        return (order, [.. starts]);
    }
}
