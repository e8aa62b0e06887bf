namespace OnnxTransfer.Features;

/// <summary>How <see cref="FeatureSet.Open(IReadOnlyList{string}, FeatureSetOptions?)"/> reads a feature set.</summary>
public sealed record FeatureSetOptions
{
    /// <summary>The feature layer to read. Default null: the only one (a set with several must be told).</summary>
    public string? Layer { get; init; }

    /// <summary>Read the finished shards of an extraction that is not finished (said in <see cref="FeatureSet.Warnings"/>). Default false.</summary>
    public bool AllowPartial { get; init; }

    /// <summary>
    /// Bytes the features may take in memory. A set whose float32 features fit is loaded; a larger one (or one over
    /// 2^31 floats, .NET's largest array) is streamed from its shards by whoever reads it, in windows that together stay
    /// within this budget. Default null: <see cref="DefaultMaxMemory"/>.
    /// </summary>
    public long? MaxMemory { get; init; }

    /// <summary>The default budget: half the memory this process may use (the GC's limit: physical memory, or a container's limit).</summary>
    public static long DefaultMaxMemory => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2;
}
