using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.HeadTrainer.Training;

namespace OnnxTransfer.Cli.Reports;

/// <summary>The pictures of a finished training run, drawn beside its files: learning curves and the validation confusion matrix.</summary>
internal static class RunPictures
{
    /// <param name="restoredBest">Whether the head holds the best epoch's weights (`--restore-best`), said on the curves.</param>
    public static void Save(TrainingResult result, bool restoredBest)
    {
        // L-BFGS fits once on the whole set: it has no epochs to choose from and no learning rate.
        bool epochs = result.Solver.Solver != SolverKind.Lbfgs;
        if (result.History.Count > 0)
            CurvesPicture.Save(Path.Combine(result.RunDirectory, RunFiles.Curves), result.History, epochs ? result.BestEpoch : 0, restoredBest, learningRate: epochs);
        ConfusionPicture.Save(result.Validation, Path.Combine(result.RunDirectory, RunFiles.ConfusionPlot));
    }
}
