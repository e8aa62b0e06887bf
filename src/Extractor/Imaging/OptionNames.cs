namespace OnnxTransfer.Extractor.Imaging;

/// <summary>
/// The kebab-case spelling of option values used by the CLI and recorded in metadata
/// (Stretch -> "stretch", CenterCrop -> "center-crop"), in both directions.
/// </summary>
public static class OptionNames
{
    public static string Name<T>(T value) where T : struct, Enum =>
        string.Concat(value.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    public static T Parse<T>(string name) where T : struct, Enum
    {
        string wanted = name.Trim().ToLowerInvariant();
        foreach (var value in Enum.GetValues<T>())
            if (Name(value) == wanted) return value;
        throw new OnnxTransferException(
            $"Unknown {typeof(T).Name.ToLowerInvariant()} '{name}'; expected one of {string.Join(", ", Enum.GetValues<T>().Select(v => Name(v)))}.");
    }
}
