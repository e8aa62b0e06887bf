namespace OnnxTransfer.HeadTrainer.Training;

public enum MonitorMetric { ValLoss, ValAccuracy, ValAuc }

/// <summary>
/// Keras EarlyStopping: an epoch improves when the monitored value beats the best by more than
/// minDelta (lower for loss, higher for accuracy/AUC); training stops once <see cref="Patience"/>
/// epochs in a row have not improved.
/// </summary>
internal sealed class EarlyStopping(MonitorMetric monitor, int patience, double minDelta)
{
    public MonitorMetric Monitor { get; } = monitor;
    public int Patience { get; } = patience;
    public double MinDelta { get; } = Math.Abs(minDelta);

    public double Best { get; private set; } = monitor == MonitorMetric.ValLoss ? double.PositiveInfinity : double.NegativeInfinity;
    public int BestEpoch { get; private set; } = -1;
    public int Wait { get; private set; }

    public bool LowerIsBetter => Monitor == MonitorMetric.ValLoss;

    /// <summary>Records an epoch's value; returns true when it is a new best.</summary>
    public bool Update(int epoch, double value)
    {
        bool improved = LowerIsBetter ? value < Best - MinDelta : value > Best + MinDelta;
        if (BestEpoch < 0 && !double.IsNaN(value)) improved = true;
        if (improved) { (Best, BestEpoch, Wait) = (value, epoch, 0); return true; }
        Wait++;
        return false;
    }

    public bool ShouldStop => Patience > 0 && Wait >= Patience;

    public void Restore(double best, int bestEpoch, int wait) => (Best, BestEpoch, Wait) = (best, bestEpoch, wait);
}
