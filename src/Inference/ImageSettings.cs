using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Models;

namespace OnnxTransfer.Inference;

/// <summary>Turns recorded image settings (names as the CLI spells them) back into <see cref="ImageOptions"/>.</summary>
internal static class ImageSettings
{
    public static ImageOptions From(ModelInfo info) => Create(info.InputSize, info.Resize, info.Interpolation, info.CropFraction);

    public static ImageOptions Create(int size, string resize, string interpolation, string cropFraction) => new()
    {
        Size = size,
        Resize = resize.Length == 0 ? ResizeMode.Stretch : OptionNames.Parse<ResizeMode>(resize),
        Interpolation = interpolation.Length == 0 ? Interpolation.Bilinear : OptionNames.Parse<Interpolation>(interpolation),
        CropFraction = cropFraction.Length == 0 ? ImageOptions.DefaultCropFraction : double.Parse(cropFraction, System.Globalization.CultureInfo.InvariantCulture),
    };
}
