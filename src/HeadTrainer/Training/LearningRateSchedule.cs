namespace OnnxTransfer.HeadTrainer.Training;

public enum ScheduleKind { Constant, Step, Poly, Cosine }

/// <summary>
/// Learning rate per optimizer step (0-based), after an optional linear warmup from lr/W to lr over W steps:
/// constant; step: lr gamma^floor(epoch / stepSize); poly (Keras PolynomialDecay over the post-warmup steps):
/// (lr - endLr) (1 - s / decaySteps)^power + endLr; cosine (Keras CosineDecay, alpha 0): lr (1 + cos(pi s / decaySteps)) / 2.
/// </summary>
internal sealed record LearningRateSchedule
{
    public ScheduleKind Kind { get; init; } = ScheduleKind.Constant;
    public float BaseLr { get; init; } = 1e-3f;
    public int StepSize { get; init; } = 10;
    public float Gamma { get; init; } = 0.1f;
    public float Power { get; init; } = 1f;
    public float EndLr { get; init; } = 1e-4f;
    public long WarmupSteps { get; init; }
    public long TotalSteps { get; init; } = 1;
    public int StepsPerEpoch { get; init; } = 1;

    public float At(long step)
    {
        if (step < WarmupSteps) return BaseLr * (step + 1) / WarmupSteps;
        long s = step - WarmupSteps;
        long decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        double frac = Math.Min(s, decaySteps) / (double)decaySteps;
        return Kind switch
        {
            ScheduleKind.Step => (float)(BaseLr * Math.Pow(Gamma, step / StepsPerEpoch / Math.Max(1, StepSize))),
            ScheduleKind.Poly => (float)((BaseLr - EndLr) * Math.Pow(1 - frac, Power) + EndLr),
            ScheduleKind.Cosine => (float)(BaseLr * 0.5 * (1 + Math.Cos(Math.PI * frac))),
            _ => BaseLr,
        };
    }
}
