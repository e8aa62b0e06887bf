using OnnxTransfer.Features;

namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>
/// Which rows a run trains on, which choose its epoch, and which are only reported. A split that chose the epoch
/// (early stopping, the restored best checkpoint) reads optimistic; <see cref="Clean"/> splits took no part in
/// training or selection and are the honest numbers.
/// </summary>
/// <param name="Train">Labelled "train" (or unsplit) images, minus any holdout.</param>
/// <param name="Val">The selection rows: the set's "val" images, or a <see cref="Holdout"/> of the training images.</param>
internal sealed record DataSplits(int[] Train, int[] Val)
{
    /// <summary>The name reports give <see cref="Val"/>: "val", or "holdout" when it was carved out of train.</summary>
    public string ValName { get; init; } = FeatureSet.Val;

    /// <summary>Splits reported apart, never trained or selected on: "test", and "val" when a holdout chose instead.</summary>
    public IReadOnlyList<(string Split, int[] Rows)> Clean { get; init; } = [];

    /// <summary>The name of the holdout carved out of the training images.</summary>
    public const string Holdout = "holdout";

    /// <summary>
    /// Images, not rows: an image's augmented views (Views > 0) go where it goes, never to selection or reports.
    /// Without any "val" rows, or with <see cref="TrainerOptions.Holdout"/>, a stratified seeded fraction of the
    /// training images is held out (<see cref="TrainerOptions.Holdout"/>, else <see cref="TrainerOptions.ValidationSplit"/>).
    /// </summary>
    public static DataSplits Of(FeatureSet data, TrainerOptions options)
    {
        var train = Enumerable.Range(0, data.Rows)
            .Where(i => data.Labels[i] >= 0 && data.Views[i] == 0 && (data.Splits[i] == FeatureSet.Train || data.Splits[i] == "")).ToArray();
        if (train.Length == 0)
            throw new OnnxTransferException($"Feature set '{data.Source.Directory}' has no labelled training rows.");
        var val = data.RowsOf(FeatureSet.Val);
        var test = data.RowsOf(FeatureSet.Test);
        if (val.Length > 0 && options.Holdout == 0)
            return new DataSplits(train, val) { Clean = Named((FeatureSet.Test, test)) };
        var (keep, held) = Stratified(data, train, options.Holdout > 0 ? options.Holdout : options.ValidationSplit, options.Seed);
        return new DataSplits(keep, held) { ValName = Holdout, Clean = Named((FeatureSet.Val, val), (FeatureSet.Test, test)) };
    }

    private static (string, int[])[] Named(params (string Split, int[] Rows)[] splits) => [.. splits.Where(s => s.Rows.Length > 0)];

    private static (int[] Keep, int[] Held) Stratified(FeatureSet data, int[] train, float fraction, ulong seed)
    {
        var rng = new Rng(seed ^ 0x5EED_5EED_5EED_5EEDUL);
        var keep = new List<int>();
        var held = new List<int>();
        foreach (var group in train.GroupBy(i => data.Labels[i]).OrderBy(g => g.Key))
        {
            var members = group.ToArray();
            rng.Shuffle(members.AsSpan());
            int n = members.Length > 1 ? Math.Max(1, (int)Math.Round(members.Length * fraction)) : 0;
            held.AddRange(members.Take(n));
            keep.AddRange(members.Skip(n));
        }
        keep.Sort();
        held.Sort();
        return ([.. keep], [.. held]);
    }
}
