using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.HeadTrainer.Training;

namespace OnnxTransfer.Cli.Reports;

/// <summary>The pictures of a finished training run, drawn beside its files: learning curves and the validation confusion matrix.</summary>
internal static class RunPictures
{
    public static void Save(TrainingResult result)
    {
        var history = result.History;
        if (history.Count > 0)
        {
            var epochs = history.Select(h => h.Epoch).ToArray();
            Plots.SaveCurves(Path.Combine(result.RunDirectory, RunFiles.Curves), epochs,
            [
                ("loss", history.Select(h => h.Loss).ToArray(), history.Select(h => h.ValLoss).ToArray()),
                ("accuracy", history.Select(h => h.Accuracy).ToArray(), history.Select(h => h.ValAccuracy).ToArray()),
                ("AUC", history.Select(h => h.Auc).ToArray(), history.Select(h => h.ValAuc).ToArray()),
            ]);
        }
        Plots.SaveConfusion(result.Validation, Path.Combine(result.RunDirectory, RunFiles.ConfusionPlot));
    }
}
