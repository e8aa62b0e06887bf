using System.Diagnostics;
using MathNet.Numerics.LinearAlgebra.Single;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Reporting;
using OnnxTransfer.IO;

namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>The outcome of <see cref="Trainer.Train"/>: the exported head (best or last weights) and its validation report.</summary>
public sealed record TrainingResult(DenseHead Head, ClassificationReport Validation, IReadOnlyList<EpochMetrics> History,
    int BestEpoch, bool StoppedEarly, string RunDirectory)
{
    /// <summary>Which solver ran, its iterations and whether it converged.</summary>
    public required SolverRun Solver { get; init; }

    /// <summary>
    /// Reports on the splits that took no part in training or in choosing the epoch ("test"; "val" when a
    /// <see cref="TrainerOptions.Holdout"/> chose): the honest numbers. <see cref="Validation"/> says whether it chose.
    /// </summary>
    public IReadOnlyList<ClassificationReport> Clean { get; init; } = [];
}

/// <summary>
/// Mini-batch training of a <see cref="DenseHead"/> on a <see cref="FeatureSet"/>, with early stopping and checkpoints,
/// writing the run directory (see <see cref="RunFiles"/>). Same options and data give the same head, byte for byte:
/// one seeded <see cref="Rng"/> drives initialization, shuffling and dropout, and every reduction has a fixed order.
/// </summary>
public sealed partial class Trainer(TrainerOptions options)
{
    public TrainerOptions Options { get; } = options;

    /// <summary>Raised after each epoch (CLI progress lines).</summary>
    public event Action<EpochMetrics>? EpochCompleted;

    /// <summary>Raised once the data is split and the head built, before the first epoch (the CLI's summary of the run).</summary>
    public event Action<TrainingPlan>? Planned;

    /// <summary>After each L-BFGS iteration: where the solve is (a solve has one "epoch", at its end).</summary>
    public event Action<SolverProgress>? SolverIterated;

    /// <summary>Non-fatal notes, such as a feature set without backbone.onnx.</summary>
    public event Action<string>? Warning;

    /// <summary>
    /// Trains on <paramref name="data"/> into <paramref name="runDirectory"/>, which it holds locked (<see cref="FolderLock"/>).
    /// Cancelling <paramref name="ct"/> stops within a batch: <see cref="TrainingCancelledException"/> says what the run kept.
    /// </summary>
    /// <exception cref="OnnxTransferException">Bad options or data, or the loss became NaN or infinite (no head is written).</exception>
    public TrainingResult Train(FeatureSet data, string runDirectory, CancellationToken ct = default)
    {
        Options.Validate();
        var splits = DataSplits.Of(data, Options);
        var (train, val) = splits;
        var rowsPerImage = TrainingViews.RowsPerImage(data, train);
        bool augmented = rowsPerImage.Any(n => n > 1);
        var trainLabels = train.Select(i => data.Labels[i]).ToArray();
        if (trainLabels.Distinct().Count() < 2)
            throw new OnnxTransferException($"Feature set '{data.Source.Directory}' has only one class among its training rows; a classifier needs at least two.");
        using var buffers = data.InMemory ? null : new StreamBuffers(data.Width, WindowRows(data));
        if (FeatureSet.IsFeatureFolder(runDirectory))
            throw new OnnxTransferException($"Run folder '{runDirectory}' is a feature folder (it has manifest.json and classes.json); write the run to another folder.");
        using var folderLock = FolderLock.Acquire(runDirectory, "train");
        PrepareRunFolder(runDirectory);
        var warnings = new List<string>(data.Warnings);
        var counts = new int[data.Classes.Count];
        foreach (int label in trainLabels) counts[label]++;
        var empty = data.Classes.Where((_, c) => counts[c] == 0).ToList();
        if (empty.Count > 0)
            warnings.Add($"{empty.Count} class(es) have no training rows and can never be predicted: {string.Join(", ", empty.Take(10).Select(c => $"'{c}'"))}{(empty.Count > 10 ? ", ..." : "")}");
        foreach (string w in warnings) Warning?.Invoke(w);
        string lastPath = Path.Combine(runDirectory, RunFiles.LastCheckpoint), bestPath = Path.Combine(runDirectory, RunFiles.BestCheckpoint);

        var rng = new Rng(Options.Seed);
        var head = new DenseHead(Options.Head, data.Width, data.Classes.Count, Options.Loss, Options.Dropout, rng, Options.Gemm);
        var weights = Options.ClassWeight == ClassWeighting.Balanced ? LossFunction.BalancedWeights(trainLabels, data.Classes.Count) : null;
        var loss = new LossFunction(Options.Loss, Options.LabelSmoothing, weights);
        var valLoss = new LossFunction(Options.Loss, Options.LabelSmoothing, null);
        bool lbfgs = UsesLbfgs(data);
        int trainRows = rowsPerImage.Sum();
        float l2 = Options.L2Used(lbfgs, trainRows, data.Classes.Count);
        var used = Options with { L2 = l2 };
        Planned?.Invoke(TrainingPlan.Of(data, splits, trainRows, head, used, lbfgs));
        if (lbfgs)
            return FitFullBatch(data, runDirectory, splits, rowsPerImage, head, loss, valLoss, warnings, used, ct);
        var optimizer = new Optimizer(Options.Optimizer, Options.Momentum, Options.Nesterov, Options.WeightDecay);
        var stopping = new EarlyStopping(Options.Monitor, Options.Patience, Options.MinDelta);
        int stepsPerEpoch = (train.Length + Options.BatchSize - 1) / Options.BatchSize;
        var schedule = new LearningRateSchedule
        {
            Kind = Options.Schedule, BaseLr = Options.LearningRate, StepSize = Options.StepSize, Gamma = Options.Gamma,
            Power = Options.Power, EndLr = Options.EndLearningRate, StepsPerEpoch = stepsPerEpoch,
            WarmupSteps = (long)Options.WarmupEpochs * stepsPerEpoch, TotalSteps = (long)Options.Epochs * stepsPerEpoch,
        };
        var history = new List<EpochMetrics>();
        string fingerprint = Checkpoint.FingerprintOf(head);
        float[][]? best = null;
        int firstEpoch = 0;
        if (Options.Resume)
        {
            if (!File.Exists(lastPath))
                throw new OnnxTransferException($"`Resume`: run directory '{runDirectory}' has no {RunFiles.LastCheckpoint}; train without `Resume`.");
            var last = Checkpoint.Load(lastPath);
            if (last.Fingerprint != fingerprint)
                throw new OnnxTransferException($"`Resume`: checkpoint '{lastPath}' is for '{last.Fingerprint}', not '{fingerprint}'; use the same head options or a new run directory.");
            last.ApplyTo(head, lastPath);
            foreach (var (name, values) in last.OptimizerSlots) optimizer.Restore(name, values);
            optimizer.Iterations = last.OptimizerIterations;
            rng = Rng.FromState(last.RngState);
            stopping.Restore(last.Best, last.BestEpoch, last.Wait);
            history.AddRange(last.History);
            firstEpoch = last.EpochsDone;
            if (File.Exists(bestPath)) best = Checkpoint.Load(bestPath).Parameters.Select(p => p.Values).ToArray();
        }

        bool stoppedEarly = stopping.ShouldStop && firstEpoch > 0;
        for (int epoch = firstEpoch; epoch < Options.Epochs && !stoppedEarly; epoch++)
        {
            if (ct.IsCancellationRequested) throw new TrainingCancelledException(epoch, Options.Epochs, runDirectory);
            var clock = Stopwatch.StartNew();
            // Each epoch shuffles the training rows from their stored order, so a resumed run, which has only the RNG state, matches.
            var trainProbabilities = new float[train.Length * data.Classes.Count];
            var shuffledLabels = new int[train.Length];
            double lossSum = 0;
            float lr = 0;
            // The epoch's windows go back (its reads stop) before validation reads through the same buffers.
            // With augmented views, each image trains on one of its rows this epoch (drawn before the shuffle; none without views).
            using (var source = RowSource.Epoch(data, augmented ? TrainingViews.Draw(train, rowsPerImage, rng) : train, buffers, rng))
            {
                var order = source.Order;
                for (int start = 0; start < order.Length; start += Options.BatchSize)
                {
                    if (ct.IsCancellationRequested) throw new TrainingCancelledException(epoch, Options.Epochs, runDirectory);
                    int b = Math.Min(Options.BatchSize, order.Length - start);
                    var rows = order.AsSpan(start, b);
                    var x = source.Batch(start, b);
                    var labels = new int[b];
                    for (int j = 0; j < b; j++) shuffledLabels[start + j] = labels[j] = data.Labels[rows[j]];
                    var logits = head.Logits(x, training: true, rng);
                    var grad = new DenseMatrix(logits.RowCount, b);
                    double batchLoss = loss.Compute(logits, labels, grad);
                    if (!double.IsFinite(batchLoss)) throw Diverged(epoch + 1, batchLoss, data, train, source.Largest);
                    lossSum += batchLoss * b;
                    Activation.Probabilities(logits.Values, head.Outputs, b, Options.Loss == LossKind.Binary,
                        trainProbabilities.AsSpan(start * data.Classes.Count, b * data.Classes.Count));
                    head.Backward(grad);
                    LossFunction.AddL2(head.Parameters.Where(p => p.Trainable), l2);
                    lr = schedule.At(optimizer.Iterations);
                    optimizer.Step(head.Parameters, lr);
                }
            }
            double penalty = L2Penalty(head, l2);
            var trainReport = ClassificationReport.Compute(shuffledLabels, trainProbabilities, data.Classes, Options.TopK);
            var (valReport, valLossValue) = Evaluate(head, data, val, valLoss, buffers);
            valLossValue += penalty;
            var metrics = new EpochMetrics(epoch + 1, lr, lossSum / train.Length + penalty, trainReport.Accuracy, trainReport.TopKAccuracy, trainReport.Auc,
                valLossValue, valReport.Accuracy, valReport.TopKAccuracy, valReport.Auc, clock.Elapsed.TotalSeconds, false);
            bool improved = stopping.Update(epoch + 1, metrics.Value(Options.Monitor));
            metrics = metrics with { Improved = improved };
            history.Add(metrics);
            if (improved)
            {
                best = head.Parameters.Select(p => (float[])p.Value.Clone()).ToArray();
                Snapshot(head, optimizer, rng, stopping, history, fingerprint, epoch + 1).Save(bestPath);
            }
            Snapshot(head, optimizer, rng, stopping, history, fingerprint, epoch + 1).Save(lastPath);
            EpochCompleted?.Invoke(metrics);
            stoppedEarly = stopping.ShouldStop && epoch + 1 < Options.Epochs;
        }

        if (Options.RestoreBest && best is not null)
        {
            int i = 0;
            foreach (var p in head.Parameters) best[i++].CopyTo(p.Value, 0);
        }
        if (head.Parameters.Any(p => !p.Value.All(float.IsFinite))) throw Diverged(history.Count, double.NaN, data, train, 0);
        var (report, _) = Evaluate(head, data, val, valLoss, buffers);
        // Early stopping picks when to stop and RestoreBest which weights to keep, both by the selection rows.
        report = report with { Warnings = warnings, Split = splits.ValName, ChoseEpoch = Options.RestoreBest || Options.Patience > 0 };
        var clean = CleanReports(head, data, splits, valLoss, buffers);
        buffers?.Dispose(); // the windows go before the head is written: writing it copies the model
        var solver = new SolverRun(SolverKind.Sgd, history.Count, false, double.NaN, double.NaN);
        RunWriter.Write(runDirectory, data, head, used, new RunReports(report, clean), history, stopping.BestEpoch, solver, Warning);
        return new TrainingResult(head, report, history, stopping.BestEpoch, stoppedEarly, runDirectory) { Solver = solver, Clean = clean };
    }

    /// <summary>
    /// Refuses a folder that holds a run unless it is resumed or overwritten (then the old run's files go, its
    /// evaluation/ too): a finished head is never silently replaced, nor a new head left beside an old report.
    /// </summary>
    private void PrepareRunFolder(string runDirectory)
    {
        var old = RunFiles.All.Where(f => File.Exists(Path.Combine(runDirectory, f))).ToList();
        if (old.Count == 0 || Options.Resume) return;
        if (!Options.Overwrite)
        {
            string when = File.GetLastWriteTime(Path.Combine(runDirectory, old[0])).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
            throw new OnnxTransferException(
                $"Run folder '{runDirectory}' already holds a run ({string.Join(", ", old.Take(3))}{(old.Count > 3 ? ", ..." : "")}, written {when}); " +
                "continue it (`Resume`), replace it (`Overwrite`), or choose another folder.");
        }
        foreach (string f in old) File.Delete(Path.Combine(runDirectory, f));
        string evaluation = Path.Combine(runDirectory, RunFiles.EvaluationFolder);
        if (Directory.Exists(evaluation)) Directory.Delete(evaluation, recursive: true);
    }

    /// <summary>The error for a loss that left the finite numbers, with its likeliest cause; nothing is written after it.</summary>
    /// <param name="streamedLargest">For a streamed set, the largest |feature| of the batches read (it is not scanned again).</param>
    private OnnxTransferException Diverged(int epoch, double value, FeatureSet data, int[] train, float streamedLargest)
    {
        float largest = streamedLargest;
        if (data.InMemory)
            foreach (int row in train)
                foreach (float v in data.Row(row)) largest = Math.Max(largest, Math.Abs(v));
        string cause = largest > 1e6f
            ? $"features reach {largest:G3} in magnitude, too large for float arithmetic: check the extraction, or standardize the features"
            : $"the learning rate {Options.LearningRate:G3} is likely too high for this head: try `LearningRate` {Options.LearningRate / 10:G3}";
        return new OnnxTransferException($"Training diverged in epoch {epoch}: the loss became {value}; {cause}. No head was written.");
    }

    /// <summary>Inference-mode probabilities and mean loss (without class weights or the L2 term) over <paramref name="rows"/>.</summary>
    internal static (ClassificationReport Report, double Loss) Evaluate(DenseHead head, FeatureSet data, int[] rows, LossFunction loss, int topK = 5,
        int batchSize = EvaluationBatch, StreamBuffers? buffers = null)
    {
        using var source = RowSource.InOrder(data, rows, buffers);
        int k = data.Classes.Count;
        var probabilities = new float[rows.Length * k];
        var labels = rows.Select(i => data.Labels[i]).ToArray();
        var rng = new Rng(0); // inference mode draws nothing
        double sum = 0;
        for (int start = 0; start < rows.Length; start += batchSize)
        {
            int b = Math.Min(batchSize, rows.Length - start);
            var logits = head.Logits(source.Batch(start, b), training: false, rng);
            sum += loss.Compute(logits, labels.AsSpan(start, b), new DenseMatrix(logits.RowCount, b)) * b;
            Activation.Probabilities(logits.Values, head.Outputs, b, head.Loss == LossKind.Binary, probabilities.AsSpan(start * k, b * k));
        }
        return (ClassificationReport.Compute(labels, probabilities, data.Classes, topK), rows.Length == 0 ? double.NaN : sum / rows.Length);
    }

    private (ClassificationReport, double) Evaluate(DenseHead head, FeatureSet data, int[] rows, LossFunction loss, StreamBuffers? buffers) =>
        Evaluate(head, data, rows, loss, Options.TopK, EvaluationBatch, buffers);

    /// <summary>The final head's reports on the splits that neither trained nor chose it.</summary>
    private List<ClassificationReport> CleanReports(DenseHead head, FeatureSet data, DataSplits splits, LossFunction loss, StreamBuffers? buffers) =>
        [.. splits.Clean.Select(c => Evaluate(head, data, c.Rows, loss, buffers).Item1 with { Split = c.Split })];

    /// <summary>Rows a batch of inference-mode evaluation.</summary>
    private const int EvaluationBatch = 256;

    /// <summary>
    /// For a streamed set, the rows of one window: two windows, a training and an evaluation batch and one row group
    /// share <see cref="FeatureSet.MemoryBudget"/> (see <see cref="StreamBudget"/>; the head and its optimizer state come on top).
    /// </summary>
    /// <exception cref="OnnxTransferException">The budget cannot hold a window of one batch and one row group.</exception>
    private int WindowRows(FeatureSet data)
    {
        if (data.InMemory) return int.MaxValue;
        long largestGroup = data.Groups.Max(g => g.Rows);
        long reserved = Options.BatchSize + EvaluationBatch + largestGroup;
        long windowRows = StreamBudget.WindowRows(data.MemoryBudget, data.Width, reserved);
        long least = Math.Max(Options.BatchSize, largestGroup);
        if (windowRows < least)
            throw new OnnxTransferException(
                $"`MaxMemory` {data.MemoryBudget / 1e6:N1} MB is too small to stream '{data.Source.Directory}': two windows of at least {least:N0} rows " +
                $"(a batch of {Options.BatchSize:N0}, a row group of {largestGroup:N0}) of {data.Width:N0} floats, with the batches and headroom, need " +
                $"{StreamBudget.For(least, data.Width, reserved) / 1e6:N1} MB; raise `MaxMemory` or lower `BatchSize`.");
        return (int)windowRows;
    }

    private static double L2Penalty(DenseHead head, float l2) =>
        l2 * head.Parameters.Where(p => p.Regularized).Sum(p => p.Value.Sum(v => (double)v * v));

    private static Checkpoint Snapshot(DenseHead head, Optimizer optimizer, Rng rng, EarlyStopping stopping, List<EpochMetrics> history, string fingerprint, int epochs) => new()
    {
        Fingerprint = fingerprint,
        EpochsDone = epochs,
        RngState = rng.State,
        OptimizerIterations = optimizer.Iterations,
        Parameters = head.Parameters.Select(p => (p.Name, p.Value)).ToList(),
        OptimizerSlots = optimizer.State.ToList(),
        Best = stopping.Best,
        BestEpoch = stopping.BestEpoch,
        Wait = stopping.Wait,
        History = history,
    };
}
