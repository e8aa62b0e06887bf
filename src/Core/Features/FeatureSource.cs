namespace OnnxTransfer.Features;

/// <summary>Where a feature set came from: the extractor's Parquet metadata, kept so a head can be matched to its backbone.</summary>
public sealed record FeatureSource
{
    /// <summary>Absolute path of the feature-set directory.</summary>
    public string Directory { get; init; } = "";
    public string Model { get; init; } = "";
    public string ModelSha256 { get; init; } = "";
    public string Preprocess { get; init; } = "";
    public int InputSize { get; init; }
    public string Resize { get; init; } = "";
    public string Interpolation { get; init; } = "";
    /// <summary>Global pooling applied to the chosen layer by the extractor (none, avg, max).</summary>
    public string Pool { get; init; } = "";
    public bool RandomWeights { get; init; }
    public string Weights { get; init; } = "";
}
