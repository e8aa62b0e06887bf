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

    /// <summary>The short-side resize's crop fraction as recorded ("0.875"); "" for the other resize modes.</summary>
    public string CropFraction { get; init; } = "";
    /// <summary>Global pooling applied to the chosen layer by the extractor (none, avg, max).</summary>
    public string Pool { get; init; } = "";
    public bool RandomWeights { get; init; }
    public string Weights { get; init; } = "";

    /// <summary>
    /// How images became these features, setting by setting (pooling, preprocessing, input size, resize, interpolation),
    /// as (name, this value, the other's): one list for every check that two sources must match, so none forgets one.
    /// </summary>
    internal IEnumerable<(string What, string Mine, string Theirs)> ImageSettings(FeatureSource other)
    {
        yield return ("pooling", Pool, other.Pool);
        yield return ("preprocessing", Preprocess, other.Preprocess);
        yield return ("input size", InputSize.ToString(System.Globalization.CultureInfo.InvariantCulture), other.InputSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return ("resize", Resize, other.Resize);
        yield return ("interpolation", Interpolation, other.Interpolation);
        yield return ("crop fraction", CropFraction, other.CropFraction);
    }
}
