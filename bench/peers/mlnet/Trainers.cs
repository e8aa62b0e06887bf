using Microsoft.ML;
using Microsoft.ML.Data;
using OnnxTransfer.Bench.Peers;

namespace OnnxTransfer.MlNetPeer;

/// <summary>One labelled feature row as the trainers read it.</summary>
public sealed class FeatureRow
{
    public string Label { get; set; } = "";

    public float[] Features { get; set; } = [];
}

/// <summary>
/// ML.NET's multiclass trainers with their defaults, as a user adds them after the featurizer: MapValueToKey on the
/// label, a cache checkpoint (ML.NET's advice for trainers that pass over the data many times), then the trainer;
/// fitted on the rows of split `train` (timed warm: the fastest of <see cref="TimedFits"/> after an untimed first), scored with MulticlassClassification.Evaluate on split `val`.
/// </summary>
public static class Trainers
{
    /// <summary>The features the extraction wrote (its Parquet shards), for the trainers on exactly what `train` reads.</summary>
    public const string Extracted = "extract";

    public static IReadOnlyList<string> Names { get; } = ["lbfgs", "sdca"];

    /// <summary>Timed fits after the untimed first; the fastest counts (the bench's head is timed the same way).</summary>
    public const int TimedFits = 3;

    public static MlNetTraining FitAndScore(MLContext ml, string trainer, string source, float[][] rows, string[] labels, string[] splits)
    {
        // The features' width is known only now; ML.NET's trainers need it in the column type.
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, rows[0].Length);
        FeatureRow[] Split(string split) =>
            [.. Enumerable.Range(0, rows.Length).Where(i => splits[i] == split).Select(i => new FeatureRow { Label = labels[i], Features = rows[i] })];
        var train = Split("train");
        var val = Split("val");
        if (train.Length == 0 || val.Length == 0) throw new ArgumentException($"the features need rows of split train and val; they have {train.Length} and {val.Length}");

        var estimator = ml.Transforms.Conversion.MapValueToKey(nameof(FeatureRow.Label))
            .AppendCacheCheckpoint(ml)
            .Append(Trainer(ml, trainer));
        var trainView = ml.Data.LoadFromEnumerable(train, schema);
        // A first fit untimed: JIT compilation and first-touch costs are left out, as the bench's own head is timed warm.
        _ = estimator.Fit(trainView);
        var meter = PhaseMeter.Start();
        var model = estimator.Fit(trainView);
        double seconds = meter.Seconds;
        long peak = meter.PeakRssBytes();
        // The fastest of TimedFits fits, as the bench's head: fits take a second or less, and one can lose a third to a
        // neighbour's burst. The model scored is the first timed one, whatever later fits would draw from the context's seed.
        for (int fit = 1; fit < TimedFits; fit++)
        {
            var again = PhaseMeter.Start();
            _ = estimator.Fit(trainView);
            seconds = Math.Min(seconds, again.Seconds);
        }
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(val, schema)));
        return new MlNetTraining(trainer, source, train.Length, val.Length, seconds, metrics.MicroAccuracy, peak);
    }

    private static IEstimator<ITransformer> Trainer(MLContext ml, string name) => name switch
    {
        "lbfgs" => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(nameof(FeatureRow.Label), nameof(FeatureRow.Features)),
        "sdca" => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(nameof(FeatureRow.Label), nameof(FeatureRow.Features)),
        _ => throw new ArgumentException($"unknown trainer '{name}': expected one of {string.Join(", ", Names)}"),
    };
}
