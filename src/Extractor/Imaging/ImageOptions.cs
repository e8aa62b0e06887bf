namespace OnnxTransfer.Extractor.Imaging;

/// <summary>How a photo is brought to the model's square input.</summary>
public enum ResizeMode
{
    /// <summary>Resize the whole image to Size x Size, ignoring its aspect ratio (Keras load_img default).</summary>
    Stretch,

    /// <summary>Crop the largest centred square, then resize it (Keras crop_to_aspect_ratio=True / smart_resize).</summary>
    CenterCrop,

    /// <summary>
    /// Resize the shorter side to floor(Size / <see cref="ImageOptions.CropFraction"/>) keeping the aspect ratio, then
    /// crop the centre Size x Size: torchvision's Resize(256) + CenterCrop(224) at the default fraction 0.875, and
    /// timm's eval transform (crop_pct). With a Pillow interpolation only, as those pipelines resize PIL images:
    /// pil-bilinear is torchvision's default, pil-bicubic timm's.
    /// </summary>
    ShortSide,
}

/// <summary>
/// Resampling filters. The first four use half-pixel centres and no antialiasing on float pixels, matching
/// TensorFlow 2's tf.image.resize (what Keras image_dataset_from_directory uses; "keras-dataset" names
/// <see cref="Bilinear"/>); Area averages whole source boxes and so is the one to pick for large reductions.
/// The Pil ones give the bytes of Pillow's Image.resize on the image converted to RGB, as Python pipelines
/// decode it: no EXIF orientation, alpha dropped, no reduced-size JPEG decode ("keras-load-img", what Keras
/// load_img and flow_from_directory do by default, names <see cref="PilNearest"/>).
/// </summary>
public enum Interpolation
{
    Bilinear,
    Nearest,
    Area,
    Bicubic,

    /// <summary>Pillow's NEAREST (Image.resize's affine nearest-neighbour sampling).</summary>
    PilNearest,

    /// <summary>Pillow's BILINEAR: a triangle filter widened by the reduction factor (antialiased), uint8 between and after the passes.</summary>
    PilBilinear,

    /// <summary>Pillow's BICUBIC (a = -0.5), widened like <see cref="PilBilinear"/>.</summary>
    PilBicubic,

    /// <summary>Pillow's LANCZOS (3 lobes), widened like <see cref="PilBilinear"/>.</summary>
    PilLanczos,
}

/// <summary>Decoding and resizing settings for one image. Defaults match a 224x224 Keras model.</summary>
public sealed class ImageOptions
{
    /// <summary>The default pixel limit: 100 megapixels (a 12000x8000 photo passes; a 50000x50000 bomb does not).</summary>
    public const long DefaultMaxPixels = 100_000_000;

    /// <summary>Side of the square output, in pixels. Default 224.</summary>
    public int Size { get; init; } = 224;

    /// <summary>Default <see cref="ResizeMode.Stretch"/>.</summary>
    public ResizeMode Resize { get; init; } = ResizeMode.Stretch;

    /// <summary>Default <see cref="Interpolation.Bilinear"/>.</summary>
    public Interpolation Interpolation { get; init; } = Interpolation.Bilinear;

    /// <summary>
    /// <see cref="ResizeMode.ShortSide"/>: the share of the resized shorter side the crop keeps, in (0, 1]. Default
    /// 0.875 (224 of 256, torchvision's and timm's). Other resize modes ignore it.
    /// </summary>
    public double CropFraction { get; init; } = DefaultCropFraction;

    /// <summary>The default <see cref="CropFraction"/>: 0.875.</summary>
    public const double DefaultCropFraction = 0.875;

    /// <summary>
    /// Images whose header declares more pixels than this are refused before any pixel is decoded,
    /// so a decompression bomb cannot exhaust memory. Default <see cref="DefaultMaxPixels"/>.
    /// </summary>
    public long MaxPixels { get; init; } = DefaultMaxPixels;

    /// <summary>The default file size limit: 256 MiB (a 100-megapixel JPEG is about 50 MB, a PNG of that size up to 300 MB uncompressed worst case).</summary>
    public const long DefaultMaxFileBytes = 256L << 20;

    /// <summary>
    /// Files larger than this are refused before any byte is read (a 2 GB sparse file named .jpg costs nothing).
    /// Each decoder thread holds at most one file's bytes. Default <see cref="DefaultMaxFileBytes"/>.
    /// </summary>
    public long MaxFileBytes { get; init; } = DefaultMaxFileBytes;

    /// <summary>
    /// When true (default), JPEGs much larger than needed are decoded at 1/2, 1/4 or 1/8 scale by
    /// libjpeg's DCT scaling, keeping at least twice the output size in each direction, which makes
    /// decoding several times faster. Turn off for bit-exact comparison with a full-size decode.
    /// </summary>
    public bool ScaledDecode { get; init; } = true;

    /// <summary>
    /// Which library decodes JPEG pixels. Default <see cref="JpegDecoder.Auto"/>: the system's libjpeg-turbo when
    /// installed, else SkiaSharp's. The pixels are the same either way; only the speed differs.
    /// </summary>
    public JpegDecoder JpegDecoder { get; init; } = JpegDecoder.Auto;

    /// <summary>Floats needed for one image: Size * Size * 3.</summary>
    public int TensorLength => checked(Size * Size * 3);

    internal void Validate()
    {
        if (Size is < 1 or > 8192)
            throw new OnnxTransferException($"Input size {Size} is out of range; use an `InputSize` between 1 and 8192 (e.g. 224).");
        if (!(CropFraction > 0 && CropFraction <= 1))
            throw new OnnxTransferException($"`CropFraction` {CropFraction} must be in (0, 1], e.g. 0.875 (a 224 crop of a 256 resize).");
        if (Resize == ResizeMode.ShortSide && !PilResampler.Handles(Interpolation))
            throw new OnnxTransferException(
                $"`Resize` short-side resizes PIL images as torchvision and timm do, and `Interpolation` {OptionNames.Name(Interpolation)} is not Pillow's: " +
                "use pil-bilinear (torchvision's default) or pil-bicubic (timm's).");
        if (MaxPixels < 1)
            throw new OnnxTransferException($"The pixel limit {MaxPixels} must be positive.");
        if (MaxFileBytes is < 1 or > int.MaxValue)
            throw new OnnxTransferException($"The file size limit {MaxFileBytes} must be between 1 and {int.MaxValue} bytes.");
        JpegDecoders.Resolve(JpegDecoder);
    }
}
