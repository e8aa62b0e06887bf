namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>What fits the head (<see cref="TrainerOptions.Solver"/>).</summary>
public enum SolverKind
{
    /// <summary>
    /// The default: <see cref="Lbfgs"/> for a linear head on a set held in memory, unless `L2` is 0 or a mini-batch setting (`Epochs`, `LearningRate`, `Resume`, ...) is changed from its default; else <see cref="Sgd"/>.
    /// </summary>
    Auto,

    /// <summary>
    /// Full-batch L-BFGS on mean cross-entropy + `L2` Σ w² (biases unpenalised) until the largest gradient component is at most
    /// `Tolerance`, within `MaxIterations`: the optimum, like scikit-learn's LogisticRegression(solver="lbfgs"). Linear heads in memory only.
    /// </summary>
    Lbfgs,

    /// <summary>Mini-batch training over epochs with `Optimizer`, `LearningRate`, early stopping and checkpoints: every head, streamed sets too.</summary>
    Sgd,
}

/// <summary>Which solver fitted a head, how many iterations (L-BFGS) or epochs (mini-batch) it ran, and whether it converged.</summary>
/// <param name="GradientNorm">L-BFGS: the largest gradient component at the end; NaN for mini-batch training, which has no such test.</param>
public sealed record SolverRun(SolverKind Solver, int Iterations, bool Converged, double GradientNorm, double Tolerance)
{
    public override string ToString() => Solver == SolverKind.Lbfgs
        ? FormattableString.Invariant($"lbfgs, {Iterations} iterations, {(Converged ? "converged" : "NOT converged")} (max |gradient| {GradientNorm:G3}, tolerance {Tolerance:G3})")
        : FormattableString.Invariant($"sgd, {Iterations} epochs");
}
