namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>One epoch's training (training-mode forward passes) and validation (inference-mode) metrics.</summary>
public sealed record EpochMetrics(
    int Epoch, double LearningRate,
    double Loss, double Accuracy, double TopKAccuracy, double Auc,
    double ValLoss, double ValAccuracy, double ValTopKAccuracy, double ValAuc,
    double Seconds, bool Improved)
{
    public double Value(MonitorMetric monitor) => monitor switch
    {
        MonitorMetric.ValAccuracy => ValAccuracy,
        MonitorMetric.ValAuc => ValAuc,
        _ => ValLoss,
    };
}
