using System.Globalization;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>
/// Which share of an extraction one process does: shard <see cref="Index"/> (0-based) of <see cref="Count"/>, for the
/// tasks of a Slurm job array or a Kubernetes Indexed Job writing one feature set into one shared folder. Every task
/// scans the same input the same way (sorted paths, one class list), so all agree on the part files
/// (part-NNNNN.parquet, a fixed run of images each); task K writes the contiguous range of parts
/// [K * parts / N, (K + 1) * parts / N). With more than one task, a part holds at most ceil(images / N) images, so
/// every task has work when there are at least N images. The union of the N tasks' parts is the same rows, and the same
/// bytes, as one process extracting with that part size.
/// </summary>
public sealed record ExtractionShard
{
    /// <summary>The whole input in one process (shard 0 of 1), the default.</summary>
    public static ExtractionShard Whole { get; } = new(0, 1);

    /// <exception cref="OnnxTransferException"><paramref name="count"/> is below 1 or <paramref name="index"/> is outside [0, count).</exception>
    public ExtractionShard(int index, int count)
    {
        if (count < 1) throw new OnnxTransferException($"`Shard` count {count} must be at least 1.");
        if (index < 0 || index >= count)
            throw new OnnxTransferException($"`Shard` {index}/{count} is outside 0..{count - 1}: shards are numbered from 0, like the tasks of a Slurm array 0-{count - 1}.");
        (Index, Count) = (index, count);
    }

    public int Index { get; }

    public int Count { get; }

    /// <summary>"K/N".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    /// <summary>Parses "K/N" (e.g. "2/4").</summary>
    /// <exception cref="OnnxTransferException">Not of that form, or out of range.</exception>
    public static ExtractionShard Parse(string text)
    {
        string[] parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            return new ExtractionShard(k, n);
        throw new OnnxTransferException($"`Shard` '{text}' is not K/N (e.g. 2/4: the third of four shards, counted from 0).");
    }

    /// <summary>The environment variable that gives the shard count where the engine does not (Kubernetes).</summary>
    public const string CountVariable = "ONNX_TRANSFER_SHARD_COUNT";

    /// <summary>
    /// The shard a batch engine's task is, from its environment (<paramref name="variable"/> reads one), and which
    /// variables said so; null when no engine's index is set. The index is Slurm's SLURM_ARRAY_TASK_ID or Kubernetes's
    /// JOB_COMPLETION_INDEX, as it is (submit --array=0-3, not 1-4). The count is <paramref name="count"/> when given, else
    /// <see cref="CountVariable"/>, else Slurm's SLURM_ARRAY_TASK_COUNT (Kubernetes has none): a task resubmitted alone
    /// (sbatch --array=2) sees a count of 1 and must be given the real one.
    /// </summary>
    /// <exception cref="OnnxTransferException">A variable is malformed, both engines' are set, the count is missing, or the index is not below it.</exception>
    public static (ExtractionShard Shard, string Source)? FromEnvironment(Func<string, string?> variable, int? count = null)
    {
        string? slurm = variable("SLURM_ARRAY_TASK_ID"), kubernetes = variable("JOB_COMPLETION_INDEX");
        if (slurm is null && kubernetes is null) return null;
        if (slurm is not null && kubernetes is not null)
            throw new OnnxTransferException($"Both SLURM_ARRAY_TASK_ID ({slurm}) and JOB_COMPLETION_INDEX ({kubernetes}) are set, so the shard is ambiguous; give it (`Shard` K/N).");
        var (indexName, indexText) = slurm is not null ? ("SLURM_ARRAY_TASK_ID", slurm) : ("JOB_COMPLETION_INDEX", kubernetes!);
        int index = Number(indexName, indexText);
        string? countName, countText;
        if (count is { } given) (countName, countText) = (null, given.ToString(CultureInfo.InvariantCulture));
        else if (variable(CountVariable) is { } env) (countName, countText) = (CountVariable, env);
        else if (slurm is not null && variable("SLURM_ARRAY_TASK_COUNT") is { } slurmCount) (countName, countText) = ("SLURM_ARRAY_TASK_COUNT", slurmCount);
        else
            throw new OnnxTransferException(
                $"{indexName}={indexText} makes this task shard {index} of a count nobody gave: set the shard count (`ShardCount` N, the Job's completions) or {CountVariable}.");
        int n = countName is null ? count!.Value : Number(countName, countText);
        if (n < 1) throw new OnnxTransferException($"The shard count {n}{(countName is null ? "" : $" ({countName})")} must be at least 1.");
        if (index >= n)
            throw new OnnxTransferException(
                $"{indexName}={index} is not below the shard count {n}{(countName is null ? "" : $" ({countName})")}: " +
                (countName == "SLURM_ARRAY_TASK_COUNT"
                    ? $"a task resubmitted alone sees only its own array; give the original count (`ShardCount` N or {CountVariable}), and number the array from 0."
                    : "number the tasks from 0 and give the count of all of them (`ShardCount` N)."));
        string source = $"{indexName}={index}, " + (countName is null ? $"`ShardCount` {n}" : $"{countName}={n}");
        return (new ExtractionShard(index, n), source);
    }

    private static int Number(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new OnnxTransferException($"{name}='{text}' is not a whole number; the shard comes from it, so fix the job's environment or give the shard (`Shard` K/N).");
}
