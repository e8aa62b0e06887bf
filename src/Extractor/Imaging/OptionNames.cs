namespace OnnxTransfer.Extractor.Imaging;

/// <summary>
/// The kebab-case spelling of option values used by the CLI and recorded in metadata
/// (Stretch -> "stretch", CenterCrop -> "center-crop"), in both directions.
/// </summary>
public static class OptionNames
{
    public static string Name<T>(T value) where T : struct, Enum =>
        string.Concat(value.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    /// <summary>
    /// Other names of interpolations, after the Python pipeline each one equals; they parse to the value whose
    /// name is recorded, so metadata written with either spelling is the same.
    /// </summary>
    public static IReadOnlyDictionary<string, Interpolation> InterpolationAliases { get; } = new Dictionary<string, Interpolation>(StringComparer.Ordinal)
    {
        ["keras-dataset"] = Interpolation.Bilinear,
        ["keras-load-img"] = Interpolation.PilNearest,
    };

    public static T Parse<T>(string name) where T : struct, Enum
    {
        string wanted = name.Trim().ToLowerInvariant();
        foreach (var value in Enum.GetValues<T>())
            if (Name(value) == wanted) return value;
        if (typeof(T) == typeof(Interpolation) && InterpolationAliases.TryGetValue(wanted, out var alias)) return (T)(object)alias;
        var names = Enum.GetValues<T>().Select(v => Name(v));
        if (typeof(T) == typeof(Interpolation)) names = names.Concat(InterpolationAliases.Keys);
        throw new OnnxTransferException(
            $"Unknown {typeof(T).Name.ToLowerInvariant()} '{name}'; expected one of {string.Join(", ", names)}.");
    }
}
