namespace OnnxTransfer.Bench.EndToEnd;

/// <summary>One head-training epoch's time on features this run extracted.</summary>
public sealed record EpochTime(string Head, int Rows, int Features, double SecondsPerEpoch);

/// <summary>
/// INTEGRATION POINT for the head trainer (branch `head`): the e2e report has a "Head training epoch
/// time" table whose row comes from here. <paramref name="featuresDir"/> is the EfficientNetB0
/// extraction this run just wrote (part-*.parquet, 1280 pooled features per row, labelled ants/bees
/// from the class folders). Wire HeadTrainer in here (load the features, train a fixed number of
/// epochs, return seconds per epoch); until then there is no figure and the report says so.
/// </summary>
public static class EpochTimeHook
{
    public static EpochTime? Measure(string featuresDir) => null;
}
