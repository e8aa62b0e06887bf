using System.Globalization;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Model;

namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>Images of one split a run reports on.</summary>
public sealed record SplitSize(string Split, int Images);

/// <summary>
/// What a run is about to do, known before its first epoch (<see cref="Trainer.Planned"/>): the rows of each split and
/// their roles, the head's layers and parameters, the solver and how the features are held.
/// </summary>
public sealed record TrainingPlan
{
    /// <summary>Training images, and their rows (more with augmented views).</summary>
    public int TrainImages { get; init; }
    public int TrainRows { get; init; }

    /// <summary>The validation rows: "val", or "holdout" (carved out of train), with whether they choose the epoch.</summary>
    public SplitSize Validation { get; init; } = new("", 0);
    public bool ValidationChoosesEpoch { get; init; }

    /// <summary>Splits reported apart, never trained or selected on.</summary>
    public IReadOnlyList<SplitSize> Clean { get; init; } = [];

    public int Classes { get; init; }
    public int FeatureWidth { get; init; }

    /// <summary>The head's layers, e.g. "1024 -> dense 256 -> relu -> dropout 0.5 -> dense 17 -> softmax".</summary>
    public string Layers { get; init; } = "";

    /// <summary>Trainable parameters.</summary>
    public long Parameters { get; init; }

    /// <summary>The solver and its settings, e.g. "adam, lr 0.001 constant, batch 32, up to 20 epochs, early stopping on val_loss (patience 5)".</summary>
    public string Solver { get; init; } = "";

    /// <summary>Whether L-BFGS solves the head in one full-batch run (its one "epoch" is the solution) rather than epochs of mini-batches.</summary>
    public bool FullBatch { get; init; }

    /// <summary>Epochs at most: <see cref="TrainerOptions.Epochs"/>, or 1 for a single full-batch solve.</summary>
    public int Epochs { get; init; }

    /// <summary>Where the features are (<see cref="FeatureSet.Storage"/>).</summary>
    public string Storage { get; init; } = "";

    internal static TrainingPlan Of(FeatureSet data, DataSplits splits, int trainRows, DenseHead head, TrainerOptions options, bool lbfgs)
    {
        var steps = head.Layers.Select(l => l switch
        {
            DenseLayer d => Invariant($"dense {d.OutputWidth}"),
            ReluLayer => "relu",
            DropoutLayer => Invariant($"dropout {head.Dropout:G3}"),
            BatchNormLayer => "batchnorm",
            _ => l.GetType().Name,
        });
        string output = head.Loss == LossKind.Binary ? "sigmoid" : "softmax";
        long parameters = head.Parameters.Where(p => p.Trainable).Sum(p => (long)p.Value.Length);
        return new TrainingPlan
        {
            TrainImages = splits.Train.Length,
            TrainRows = trainRows,
            Validation = new SplitSize(splits.ValName, splits.Val.Length),
            ValidationChoosesEpoch = !lbfgs && (options.RestoreBest || options.Patience > 0),
            Clean = [.. splits.Clean.Select(c => new SplitSize(c.Split, c.Rows.Length))],
            Classes = data.Classes.Count,
            FeatureWidth = data.Width,
            Layers = string.Join(" -> ", [data.Width.ToString(CultureInfo.InvariantCulture), .. steps, output]),
            Parameters = parameters,
            Solver = lbfgs ? LbfgsText(options, trainRows, head, parameters) : SgdText(options),
            FullBatch = lbfgs,
            Epochs = lbfgs ? 1 : options.Epochs,
            Storage = data.Storage,
        };
    }

    private static string LbfgsText(TrainerOptions o, int trainRows, DenseHead head, long parameters)
    {
        float l2 = o.L2 ?? 0;
        string penalty = l2 > 0 ? Invariant($"l2 {l2:G3} (scikit-learn C {TrainerOptions.CForL2(l2, trainRows, head.ClassCount, head.Loss):G3})") : "no l2 penalty";
        int pairs = FullBatchSolver.Memory(parameters);
        return Invariant($"L-BFGS full batch, {penalty}, to tolerance {o.Tolerance:G3}, at most {o.MaxIterations} iterations, keeping {pairs} gradient pairs ({2.0 * sizeof(float) * parameters * pairs / 1e6:N1} MB)");
    }

    private static string SgdText(TrainerOptions o)
    {
        string optimizer = o.Optimizer switch
        {
            OptimizerKind.Sgd => Invariant($"sgd momentum {o.Momentum:G3}{(o.Nesterov ? " nesterov" : "")}"),
            OptimizerKind.AdamW => Invariant($"adamw weight decay {o.WeightDecay:G3}"),
            _ => "adam",
        };
        string schedule = o.Schedule.ToString().ToLowerInvariant() + (o.WarmupEpochs > 0 ? Invariant($" after {o.WarmupEpochs} warmup epochs") : "");
        string stopping = o.Patience > 0 ? Invariant($", early stopping on {Monitor(o.Monitor)} (patience {o.Patience})") : "";
        string restore = o.RestoreBest ? ", best epoch restored" : ", last epoch kept";
        return Invariant($"{optimizer}, lr {o.LearningRate:G3} {schedule}, batch {o.BatchSize}, up to {o.Epochs} epochs{stopping}{restore}");
    }

    /// <summary>val_loss, val_accuracy or val_auc: the spelling head.json gives it (its enums are snake_case).</summary>
    private static string Monitor(MonitorMetric m) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(m.ToString());

    private static string Invariant(FormattableString s) => FormattableString.Invariant(s);
}
