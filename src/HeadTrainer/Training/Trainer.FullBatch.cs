using System.Diagnostics;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.HeadTrainer.Model;

namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>The L-BFGS path of <see cref="Train"/>: one solve to the optimum instead of epochs.</summary>
public sealed partial class Trainer
{
    /// <summary>
    /// L-BFGS needs every row for each pass, so a streamed set stays on mini-batches unless asked (which Validate allows
    /// only for linear heads). Auto takes it with a penalty, scikit-learn's C = 1 by default (91.9 % on flowers17, as
    /// sklearn's): with `L2` 0 a separable problem (256 features, a thousand photos) has its optimum at infinite weights,
    /// and stopping at the gradient tolerance there gave 89.7 % against mini-batch training's 91.5 % with early stopping
    /// (measured 2026-12-01). Settings only mini-batch training reads (a resumed run's too) ask for it.
    /// </summary>
    private bool UsesLbfgs(FeatureSet data) => Options.Solver switch
    {
        SolverKind.Lbfgs when !data.InMemory =>
            throw new OnnxTransferException($"`Solver` lbfgs needs the features in memory, and '{data.Source.Directory}' is streamed; raise `MaxMemory` or use `Solver` sgd."),
        SolverKind.Lbfgs => true,
        SolverKind.Auto => Options.Head.Kind == HeadKind.Linear && data.InMemory && Options.L2 != 0 && !Options.AsksForMiniBatches,
        _ => false,
    };

    /// <summary>
    /// Fits on every row of the training images (augmented views included, each a sample) and records the solution as
    /// the run's one "epoch": there is nothing to select, so validation only reports.
    /// </summary>
    /// <param name="used">The options with the `L2` this run uses.</param>
    private TrainingResult FitFullBatch(FeatureSet data, string runDirectory, DataSplits splits, int[] rowsPerImage, DenseHead head,
        LossFunction loss, LossFunction valLoss, List<string> warnings, TrainerOptions used, CancellationToken ct)
    {
        var (train, val) = splits;
        var clock = Stopwatch.StartNew();
        var rows = train.SelectMany((row, i) => Enumerable.Range(row, rowsPerImage[i])).ToArray();
        SolverRun run;
        double objective;
        float[] probabilities;
        try
        {
            (run, objective, probabilities) = FullBatchSolver.Fit(head, data, rows, loss, used.L2 ?? 0, Options.Tolerance, Options.MaxIterations, SolverIterated, ct);
        }
        catch (OperationCanceledException)
        {
            throw new TrainingCancelledException(0, 1, runDirectory);
        }
        if (head.Parameters.Any(p => !p.Value.All(float.IsFinite))) throw Diverged(1, double.NaN, data, train, 0);
        if (!run.Converged)
        {
            string why = run.Iterations >= Options.MaxIterations
                ? $"reached `MaxIterations` {Options.MaxIterations}: raise `MaxIterations`"
                : "its line search found no decrease in float32 precision: raise `Tolerance`, or standardize the features";
            string message = FormattableString.Invariant(
                $"L-BFGS did not converge: the largest gradient component is {run.GradientNorm:G3} > `Tolerance` {run.Tolerance:G3} after {run.Iterations} iterations; it {why}.");
            warnings.Add(message);
            Warning?.Invoke(message);
        }
        double penalty = L2Penalty(head, used.L2 ?? 0);
        // The solve's last value is the train loss at these weights, and one more pass over the rows it packed gives the
        // probabilities: in Evaluate's batches of 256 rows through the layer, the two reports took 50 ms of a 0.3 s
        // Caltech-sized probe (measured 2026-12-02).
        var trainReport = FullBatchSolver.Report(data, rows, probabilities, Options.TopK);
        var (valReport, valLossValue) = FullBatchSolver.Evaluate(head, data, val, valLoss, Options.TopK);
        var metrics = new EpochMetrics(1, 0, objective, trainReport.Accuracy, trainReport.TopKAccuracy, trainReport.Auc,
            valLossValue + penalty, valReport.Accuracy, valReport.TopKAccuracy, valReport.Auc, clock.Elapsed.TotalSeconds, true);
        EpochCompleted?.Invoke(metrics);
        // One solve, nothing selected: the validation rows only report, so they are as clean as the others.
        var report = valReport with { Warnings = warnings, Split = splits.ValName, ChoseEpoch = false };
        var clean = CleanReports(head, data, splits, valLoss, null);
        RunWriter.Write(runDirectory, data, head, used, new RunReports(report, clean), [metrics], 1, run, Warning);
        return new TrainingResult(head, report, [metrics], 1, false, runDirectory) { Solver = run, Clean = clean };
    }
}
