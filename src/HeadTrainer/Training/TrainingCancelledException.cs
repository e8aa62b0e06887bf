namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>
/// Training stopped by its caller (Ctrl-C, SIGTERM in the CLI) during epoch <see cref="Epoch"/> + 1: the run folder keeps
/// the checkpoint of the last finished epoch, and training with Resume continues from it.
/// </summary>
public sealed class TrainingCancelledException(int epochsDone, int epochs, string runDirectory)
    : OperationCanceledException(epochsDone == 0
        ? $"stopped in epoch 1 of {epochs}, before any checkpoint; nothing to keep in {runDirectory}"
        : $"stopped in epoch {epochsDone + 1} of {epochs}; {runDirectory} keeps the checkpoint of epoch {epochsDone}: rerun with `Resume` to continue")
{
    /// <summary>Epochs finished (and checkpointed) before the stop.</summary>
    public int Epoch { get; } = epochsDone;
}
