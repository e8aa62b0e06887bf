using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Models;

namespace OnnxTransfer.Inference;

/// <summary>Turns recorded image settings (names as the CLI spells them) back into <see cref="ImageOptions"/>.</summary>
internal static class ImageSettings
{
    public static ImageOptions From(ModelInfo info) => Create(info.InputSize, info.Resize, info.Interpolation);

    public static ImageOptions Create(int size, string resize, string interpolation) => new()
    {
        Size = size,
        Resize = resize.Length == 0 ? ResizeMode.Stretch : Parse<ResizeMode>(resize),
        Interpolation = interpolation.Length == 0 ? Interpolation.Bilinear : Parse<Interpolation>(interpolation),
    };

    // "center-crop" -> CenterCrop: the recorded names are the CLI's kebab-case enum names.
    private static T Parse<T>(string name) where T : struct, Enum =>
        Enum.TryParse<T>(name.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var v)
            ? v
            : throw new OnnxTransferException($"Unknown {typeof(T).Name.ToLowerInvariant()} '{name}' recorded in the model; expected one of {string.Join(", ", Enum.GetNames<T>())}.");
}
