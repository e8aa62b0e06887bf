using OnnxTransfer.HeadTrainer.LinearAlgebra;
using OnnxTransfer.HeadTrainer.Model;

namespace OnnxTransfer.HeadTrainer.Training;

public enum ClassWeighting { None, Balanced }

/// <summary>Everything that controls training a head. Defaults follow Keras's where it has one.</summary>
public sealed record TrainerOptions
{
    /// <summary>Feature layer to train on; null: the feature set's only layer.</summary>
    public string? Layer { get; init; }

    /// <summary>Head architecture. Default linear (logistic/softmax regression).</summary>
    public HeadSpec Head { get; init; } = HeadSpec.Linear;

    /// <summary>Dropout rate between hidden layers (mlp) or after BatchNorm (bn-dropout). Default 0.5.</summary>
    public float Dropout { get; init; } = 0.5f;

    /// <summary>
    /// Keras l2 kernel regularizer λ (loss += λ Σ w², biases unpenalised). The training loss is the mean over the n training
    /// rows, so scikit-learn's LogisticRegression(C), which minimises C Σ logloss + ½ ‖W‖², is λ = 1 / (2 C n) for a softmax
    /// head (K weight vectors, as sklearn's multinomial model has), and also with `Loss` binary (one vector, as sklearn's
    /// binary model). A 2-class softmax head splits sklearn's one vector into two opposite halves, so there λ = 1 / (C n):
    /// <see cref="L2ForC"/>. Default null: scikit-learn's default C = 1 when L-BFGS fits the head (a finite optimum to solve
    /// to), 0 for mini-batch training (Keras's default). head.json records the λ used.
    /// </summary>
    public float? L2 { get; init; }

    /// <summary>The `L2` equal to scikit-learn's LogisticRegression(C) on <paramref name="trainRows"/> rows (see <see cref="L2"/>).</summary>
    public static float L2ForC(double c, int trainRows, int classes, LossKind loss)
    {
        if (!(c > 0) || !double.IsFinite(c)) throw new OnnxTransferException($"C {c} must be a positive number.");
        ArgumentOutOfRangeException.ThrowIfLessThan(trainRows, 1);
        return (float)(1 / (SklearnFactor(classes, loss) * c * trainRows));
    }

    /// <summary>The inverse of <see cref="L2ForC"/>: scikit-learn's C for a λ (infinite for 0).</summary>
    internal static double CForL2(float l2, int trainRows, int classes, LossKind loss) => 1 / (SklearnFactor(classes, loss) * l2 * trainRows);

    /// <summary>λ = 1 / (factor C n): 2, or 1 for a 2-class softmax head (sklearn's one vector split in two halves).</summary>
    private static double SklearnFactor(int classes, LossKind loss) => loss == LossKind.Softmax && classes == 2 ? 1 : 2;

    private static readonly TrainerOptions Defaults = new();

    private static readonly (string Name, Func<TrainerOptions, object> Value)[] MiniBatchOnly =
    [
        (nameof(Optimizer), o => o.Optimizer), (nameof(LearningRate), o => o.LearningRate), (nameof(Momentum), o => o.Momentum),
        (nameof(Nesterov), o => o.Nesterov), (nameof(WeightDecay), o => o.WeightDecay), (nameof(Schedule), o => o.Schedule),
        (nameof(StepSize), o => o.StepSize), (nameof(Gamma), o => o.Gamma), (nameof(Power), o => o.Power),
        (nameof(EndLearningRate), o => o.EndLearningRate), (nameof(WarmupEpochs), o => o.WarmupEpochs), (nameof(BatchSize), o => o.BatchSize),
        (nameof(Epochs), o => o.Epochs), (nameof(Monitor), o => o.Monitor), (nameof(Patience), o => o.Patience),
        (nameof(MinDelta), o => o.MinDelta), (nameof(RestoreBest), o => o.RestoreBest), (nameof(Resume), o => o.Resume),
    ];

    /// <summary>
    /// The settings only mini-batch training reads, by property name: changing one from its default is asking for epochs,
    /// so <see cref="SolverKind.Auto"/> does not answer it with an L-BFGS solve that reads none of them, and `Solver`
    /// lbfgs refuses it. A front end that knows which settings were given (the CLI's flags) applies the same list.
    /// </summary>
    public static IReadOnlyList<string> MiniBatchSettings { get; } = [.. MiniBatchOnly.Select(s => s.Name)];

    /// <summary>The settings only an L-BFGS solve reads, by property name: given with mini-batch training, they are refused.</summary>
    public static IReadOnlyList<string> LbfgsSettings { get; } = [nameof(Tolerance), nameof(MaxIterations)];

    /// <summary>Whether one of <see cref="MiniBatchSettings"/> differs from its default.</summary>
    internal bool AsksForMiniBatches => MiniBatchOnly.Any(s => !Equals(s.Value(this), s.Value(Defaults)));

    /// <summary>The λ a run uses: `L2` when given, else its solver's default.</summary>
    internal float L2Used(bool lbfgs, int trainRows, int classes) => L2 ?? (lbfgs ? L2ForC(1, trainRows, classes, Loss) : 0f);

    /// <summary>
    /// What fits the head. Default <see cref="SolverKind.Auto"/>: L-BFGS to the optimum for a linear head in memory (with
    /// `L2` scikit-learn's C = 1 unless given), else mini-batch: also when `L2` is 0 (no finite optimum on separable rows)
    /// and when a mini-batch setting (`Epochs`, `LearningRate`, `Optimizer`, `Patience`, `Resume`, ...) is changed from its default.
    /// </summary>
    public SolverKind Solver { get; init; } = SolverKind.Auto;

    /// <summary>
    /// L-BFGS stops when the largest component of the mean objective's gradient is at most this. Default 1e-6: with a weak
    /// `L2` (1 / (2 C n)) the objective is flat, and 1e-4 left flowers17's validation accuracy 1.8 points from the optimum's
    /// (measured, linear-probe bench); 1e-6 matched scikit-learn's to the row and stays above float32's rounding.
    /// </summary>
    public float Tolerance { get; init; } = 1e-6f;

    /// <summary>L-BFGS iteration cap; a run that reaches it says it did not converge. Default 1000.</summary>
    public int MaxIterations { get; init; } = 1000;

    /// <summary>Default softmax cross-entropy; Binary (sigmoid, 2 classes only).</summary>
    public LossKind Loss { get; init; } = LossKind.Softmax;

    /// <summary>Label smoothing in [0, 1). Default 0.</summary>
    public float LabelSmoothing { get; init; }

    public ClassWeighting ClassWeight { get; init; } = ClassWeighting.None;

    /// <summary>Default Adam.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>Default 1e-3 (Keras Adam's).</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>SGD momentum. Default 0.9.</summary>
    public float Momentum { get; init; } = 0.9f;

    public bool Nesterov { get; init; }

    /// <summary>AdamW decoupled weight decay. Default 0.004 (Keras AdamW's).</summary>
    public float WeightDecay { get; init; } = 0.004f;

    public ScheduleKind Schedule { get; init; } = ScheduleKind.Constant;

    /// <summary>Step schedule: epochs between decays (default 10) and factor (default 0.1).</summary>
    public int StepSize { get; init; } = 10;
    public float Gamma { get; init; } = 0.1f;

    /// <summary>Poly schedule: power (default 1) and final learning rate (default 1e-5).</summary>
    public float Power { get; init; } = 1f;
    public float EndLearningRate { get; init; } = 1e-5f;

    /// <summary>Epochs of linear warmup. Default 0.</summary>
    public int WarmupEpochs { get; init; }

    /// <summary>Default 32 (Keras fit's).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Default 20.</summary>
    public int Epochs { get; init; } = 20;

    /// <summary>Seeds initialization, the validation split, shuffling and dropout. Default 42.</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>Stratified fraction of training rows held out when the set has no "val" rows. Default 0.2.</summary>
    public float ValidationSplit { get; init; } = 0.2f;

    /// <summary>
    /// Stratified fraction of the training images held out to choose the epoch (early stopping and
    /// <see cref="RestoreBest"/>) even when the set has "val" rows, which are then reported apart as a clean test,
    /// like "test" rows always are. Default 0: the set's "val" rows choose (their numbers then read optimistic),
    /// or, when it has none, a <see cref="ValidationSplit"/> holdout does.
    /// </summary>
    public float Holdout { get; init; }

    /// <summary>Value early stopping and best-checkpointing watch. Default val_loss.</summary>
    public MonitorMetric Monitor { get; init; } = MonitorMetric.ValLoss;

    /// <summary>Epochs without improvement before stopping; 0 disables early stopping. Default 5.</summary>
    public int Patience { get; init; } = 5;

    /// <summary>Smallest change of the monitored value that counts as an improvement. Default 0.</summary>
    public float MinDelta { get; init; }

    /// <summary>Export the best epoch's weights rather than the last. Default true.</summary>
    public bool RestoreBest { get; init; } = true;

    /// <summary>Continue from the run directory's last checkpoint.</summary>
    public bool Resume { get; init; }

    /// <summary>
    /// Replace a run already in the run directory. Default false: a folder holding a run (its head, report or
    /// checkpoints) is refused unless <see cref="Resume"/> continues it, so a finished head is never silently
    /// replaced. With true, the old run's files go first (its evaluation/ folder too), so nothing of it stays beside the new head.
    /// </summary>
    public bool Overwrite { get; init; }

    /// <summary>k of the top-k accuracy. Default 5.</summary>
    public int TopK { get; init; } = 5;

    /// <summary>
    /// What computes the head's matrix products. Default <see cref="GemmBackend.Simd"/>, this library's SGEMM;
    /// <see cref="GemmBackend.MathNet"/> is the slower reference. Either way MathNet's process-wide provider is left alone.
    /// </summary>
    public GemmBackend Gemm { get; init; } = GemmBackend.Simd;

    /// <summary>Checks every option; NaN and infinity are refused everywhere (a NaN learning rate would train a NaN head without a word).</summary>
    public void Validate()
    {
        Finite(Dropout, "`Dropout`");
        if (L2 is { } l2) Finite(l2, "`L2`");
        Finite(LabelSmoothing, "`LabelSmoothing`");
        Finite(LearningRate, "`LearningRate`");
        Finite(Momentum, "`Momentum`");
        Finite(WeightDecay, "`WeightDecay`");
        Finite(Gamma, "`Gamma`");
        Finite(Power, "`Power`");
        Finite(EndLearningRate, "`EndLearningRate`");
        Finite(ValidationSplit, "`ValidationSplit`");
        Finite(Holdout, "`Holdout`");
        Finite(MinDelta, "`MinDelta`");
        Finite(Tolerance, "`Tolerance`");
        if (Tolerance <= 0) throw new OnnxTransferException($"`Tolerance` {Tolerance} must be positive.");
        if (MaxIterations < 1) throw new OnnxTransferException($"`MaxIterations` {MaxIterations} must be at least 1.");
        if (Solver == SolverKind.Lbfgs && Head.Kind != HeadKind.Linear)
            throw new OnnxTransferException($"`Solver` lbfgs fits linear heads only, not '{Head}'; use `Solver` sgd or auto.");
        if (Solver == SolverKind.Lbfgs && Resume)
            throw new OnnxTransferException("`Resume` continues mini-batch epochs; `Solver` lbfgs has none to resume: train without `Resume`.");
        if (Solver == SolverKind.Lbfgs && AsksForMiniBatches)
            throw new OnnxTransferException(
                "`Solver` lbfgs solves to the optimum without epochs and reads none of the mini-batch settings (`Epochs`, `LearningRate`, `Optimizer`, " +
                "`BatchSize`, `Patience`, ...) changed here: leave them at their defaults, or use `Solver` sgd.");
        if (Dropout is < 0 or >= 1) throw new OnnxTransferException($"`Dropout` {Dropout} must be in [0, 1).");
        if (LabelSmoothing is < 0 or >= 1) throw new OnnxTransferException($"`LabelSmoothing` {LabelSmoothing} must be in [0, 1).");
        if (BatchSize < 1) throw new OnnxTransferException($"`BatchSize` {BatchSize} must be at least 1.");
        if (Epochs < 1) throw new OnnxTransferException($"`Epochs` {Epochs} must be at least 1.");
        if (LearningRate <= 0) throw new OnnxTransferException($"`LearningRate` {LearningRate} must be positive.");
        if (Momentum is < 0 or >= 1) throw new OnnxTransferException($"`Momentum` {Momentum} must be in [0, 1).");
        if (WeightDecay < 0) throw new OnnxTransferException($"`WeightDecay` {WeightDecay} must not be negative.");
        if (Gamma <= 0) throw new OnnxTransferException($"`Gamma` {Gamma} must be positive.");
        if (Power <= 0) throw new OnnxTransferException($"`Power` {Power} must be positive.");
        if (EndLearningRate < 0) throw new OnnxTransferException($"`EndLearningRate` {EndLearningRate} must not be negative.");
        if (StepSize < 1) throw new OnnxTransferException($"`StepSize` {StepSize} must be at least 1.");
        if (WarmupEpochs < 0) throw new OnnxTransferException($"`WarmupEpochs` {WarmupEpochs} must not be negative.");
        if (ValidationSplit is <= 0 or >= 1) throw new OnnxTransferException($"`ValidationSplit` {ValidationSplit} must be in (0, 1).");
        if (Holdout is < 0 or >= 1) throw new OnnxTransferException($"`Holdout` {Holdout} must be in [0, 1) (0: off).");
        if (Patience < 0) throw new OnnxTransferException($"`Patience` {Patience} must not be negative.");
        if (MinDelta < 0) throw new OnnxTransferException($"`MinDelta` {MinDelta} must not be negative.");
        if (TopK < 1) throw new OnnxTransferException($"`TopK` {TopK} must be at least 1.");
        if (Resume && Overwrite) throw new OnnxTransferException("`Resume` continues the run in the folder and `Overwrite` replaces it; choose one.");
        if (L2 < 0) throw new OnnxTransferException($"`L2` {L2} must not be negative.");
    }

    private static void Finite(float value, string option)
    {
        if (!float.IsFinite(value)) throw new OnnxTransferException($"{option} {value} is not a finite number.");
    }
}
