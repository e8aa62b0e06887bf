using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.HeadTrainer.Training;

namespace OnnxTransfer.Cli.Reports;

/// <summary>The pictures of a finished training run, drawn beside its files: learning curves and the validation confusion matrix.</summary>
internal static class RunPictures
{
    /// <param name="restoredBest">Whether the head holds the best epoch's weights (`--restore-best`), said on the curves.</param>
    public static void Save(TrainingResult result, bool restoredBest)
    {
        if (result.History.Count > 0)
            CurvesPicture.Save(Path.Combine(result.RunDirectory, RunFiles.Curves), result.History, result.BestEpoch, restoredBest,
                learningRate: result.Solver.Solver != SolverKind.Lbfgs);
        ConfusionPicture.Save(result.Validation, Path.Combine(result.RunDirectory, RunFiles.ConfusionPlot));
    }
}
