using OnnxTransfer.Features;

namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>
/// Training on a set with augmented views (<see cref="FeatureSet.Views"/>): each epoch, every training image is one of
/// its rows, the image itself or one of its views, drawn uniformly and seeded, as a generator would give it one random
/// transform an epoch.
/// </summary>
internal static class TrainingViews
{
    /// <summary>Per training image (its view-0 row, in <paramref name="images"/>), its rows: itself and the views stored right after it.</summary>
    /// <exception cref="OnnxTransferException">A view is not where the extractor puts it (after its image, in order).</exception>
    public static int[] RowsPerImage(FeatureSet data, int[] images)
    {
        var counts = new int[images.Length];
        for (int i = 0; i < images.Length; i++)
        {
            int row = images[i], n = 1;
            while (row + n < data.Rows && data.Views[row + n] != 0)
            {
                if (data.Views[row + n] != n || data.Paths[row + n] != data.Paths[row])
                    throw new OnnxTransferException(
                        $"Row {row + n} of '{data.Source.Directory}' is view {data.Views[row + n]} of '{data.Paths[row + n]}', not view {n} of '{data.Paths[row]}' " +
                        "(an image's views follow it, in order); re-extract the set.");
                n++;
            }
            counts[i] = n;
        }
        return counts;
    }

    /// <summary>This epoch's rows: for each image, one of its <paramref name="counts"/> rows, in stored order.</summary>
    public static int[] Draw(int[] images, int[] counts, Rng rng)
    {
        var rows = new int[images.Length];
        for (int i = 0; i < images.Length; i++) rows[i] = images[i] + (counts[i] > 1 ? rng.NextInt(counts[i]) : 0);
        return rows;
    }
}
