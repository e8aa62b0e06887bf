namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>
/// Where an L-BFGS solve is after an iteration (<see cref="Trainer.SolverIterated"/>): a solve has no epochs to count, so
/// its progress is the gradient's way down from where it started to `Tolerance`, on a log scale, which L-BFGS travels at
/// a roughly steady pace (linear convergence).
/// </summary>
/// <param name="GradientNorm">The smallest largest-gradient-component so far (it does not fall at every iteration).</param>
/// <param name="InitialGradientNorm">The starting point's.</param>
public sealed record SolverProgress(int Iteration, int MaxIterations, double GradientNorm, double InitialGradientNorm, double Tolerance, TimeSpan Elapsed)
{
    /// <summary>Share of the way from the first gradient to `Tolerance` (0 to 1, log scale).</summary>
    public double Fraction => GradientNorm <= Tolerance ? 1
        : InitialGradientNorm <= Tolerance || GradientNorm >= InitialGradientNorm ? 0
        : Math.Log(InitialGradientNorm / GradientNorm) / Math.Log(InitialGradientNorm / Tolerance);

    /// <summary>
    /// Time left at this run's pace: the rest of the way at the pace so far, or the iterations left to `MaxIterations`
    /// if fewer; null before there is a pace.
    /// </summary>
    public TimeSpan? Remaining
    {
        get
        {
            double seconds = Elapsed.TotalSeconds;
            if (Iteration < 1 || seconds <= 0) return null;
            double toCap = (MaxIterations - Iteration) * seconds / Iteration;
            double toTolerance = Fraction > 0 ? (1 - Fraction) / Fraction * seconds : double.PositiveInfinity;
            return TimeSpan.FromSeconds(Math.Max(0, Math.Min(toCap, toTolerance)));
        }
    }
}
