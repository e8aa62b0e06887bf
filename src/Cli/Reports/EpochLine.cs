using System.Globalization;
using OnnxTransfer.HeadTrainer.Training;

namespace OnnxTransfer.Cli.Reports;

/// <summary>
/// One line an epoch, the same in train and the demo, within 80 columns: the losses and accuracies (percent, as the
/// summary line has them), the learning rate when a schedule moves it, and a star on the epoch kept as best. Top-k and
/// AUC of every epoch are in history.csv and curves.png.
/// </summary>
internal static class EpochLine
{
    public static string Format(EpochMetrics m, int epochs, bool scheduled) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {m.Epoch,3}/{epochs} loss {m.Loss:F3} acc {m.Accuracy * 100,5:F1}% val_loss {m.ValLoss:F3} val_acc {m.ValAccuracy * 100,5:F1}% " +
        $"{(scheduled ? $"lr {m.LearningRate:G2}" : $"{m.Seconds:F2}s")}{(m.Improved ? " *" : "")}");

    /// <summary>An L-BFGS solve's one line: the same numbers at the optimum, with no epoch to count or star to give.</summary>
    public static string Solved(EpochMetrics m) => string.Create(CultureInfo.InvariantCulture,
        $"solved    loss {m.Loss:F3} acc {m.Accuracy * 100,5:F1}% val_loss {m.ValLoss:F3} val_acc {m.ValAccuracy * 100,5:F1}% {m.Seconds:F2}s");
}
