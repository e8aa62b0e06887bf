namespace OnnxTransfer.Features;

/// <summary>One shard task's share of a feature set, as <see cref="FeatureSet.Verify"/> found it.</summary>
/// <param name="Index">The task's index, 0-based.</param>
/// <param name="Count">The shard count (1: one process extracted the whole set).</param>
/// <param name="FirstPart">Its first part file (part-NNNNN.parquet).</param>
/// <param name="Parts">Its part files.</param>
/// <param name="FinishedParts">Those finished, with their records.</param>
/// <param name="Images">The input images of its parts.</param>
/// <param name="Rows">Rows in its finished parts.</param>
/// <param name="Errors">Images of its finished parts that failed (listed in their records and, once the set is complete, errors.tsv).</param>
public sealed record ShardState(int Index, int Count, int FirstPart, int Parts, int FinishedParts, int Images, int Rows, int Errors)
{
    public bool Complete => FinishedParts == Parts;
}

/// <summary>
/// What <see cref="FeatureSet.Verify"/> found in a feature folder: per shard task, whether its parts are finished;
/// every input image accounted for exactly once (a row or an error), checked against the folder's inputs.tsv; and any
/// inconsistency (a damaged part, a part from another extraction or shard count, an image outside its part's range).
/// </summary>
public sealed class FeatureSetVerification
{
    internal FeatureSetVerification(string directory, int images, int partFiles, IReadOnlyList<ShardState> shards, IReadOnlyList<string> missing,
                                    IReadOnlyList<string> duplicates, IReadOnlyList<string> problems, bool inputsKnown)
    {
        (Directory, Images, PartFiles, Shards, MissingImages, DuplicateImages, Problems, InputsKnown) =
            (directory, images, partFiles, shards, missing, duplicates, problems, inputsKnown);
    }

    public string Directory { get; }

    /// <summary>The input images the extraction covers (its manifest's count).</summary>
    public int Images { get; }

    public int PartFiles { get; }

    /// <summary>One entry per shard task, in index order (one, index 0 of 1, for a set one process extracted).</summary>
    public IReadOnlyList<ShardState> Shards { get; }

    public int ShardCount => Shards.Count;

    public int Rows => Shards.Sum(s => s.Rows);

    public int Errors => Shards.Sum(s => s.Errors);

    /// <summary>
    /// Input images with neither a row nor an error: those of unfinished parts, and any a finished part lacks. Paths
    /// relative to the input root, in input order; when <see cref="InputsKnown"/> is false (a folder extracted before
    /// inputs.tsv existed) only the images of finished parts can be checked, and unfinished parts are named in Problems.
    /// </summary>
    public IReadOnlyList<string> MissingImages { get; }

    /// <summary>Images with more rows (or errors) than the input lists them: counted twice by a training set.</summary>
    public IReadOnlyList<string> DuplicateImages { get; }

    /// <summary>One line per inconsistency, naming the file or part, the shard task and the fix.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>True when the folder has its input list (inputs.tsv), so missing images can be named.</summary>
    public bool InputsKnown { get; }

    /// <summary>Every shard finished, every image there exactly once, nothing inconsistent.</summary>
    public bool IsComplete => Shards.All(s => s.Complete) && MissingImages.Count == 0 && DuplicateImages.Count == 0 && Problems.Count == 0;
}
