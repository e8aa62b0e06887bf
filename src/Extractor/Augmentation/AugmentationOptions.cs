using System.Globalization;

namespace OnnxTransfer.Extractor.Augmentation;

/// <summary>How an augmented view fills the pixels its transform brings in from outside the image.</summary>
public enum FillMode
{
    /// <summary>The nearest edge pixel (Keras's and scipy's "nearest": a a a | a b c d | d d d).</summary>
    Nearest,

    /// <summary>The image mirrored about its edge (scipy's "reflect": c b a | a b c d | d c b).</summary>
    Reflect,

    /// <summary>Black (0), outside the image only: no blending across the edge (scipy's "constant", cval 0).</summary>
    Constant,
}

/// <summary>
/// Augmented views extracted beside each training image, for training with frozen features what Keras's
/// ImageDataGenerator gives a training loop: each view is one random affine transform of the resized image (rotation,
/// shift, zoom about the centre, bilinear), then maybe a horizontal flip, exactly as ImageDataGenerator's
/// apply_transform composes them (rotation x shift x zoom, centred at ((h-1)/2, (w-1)/2), scipy's affine_transform of
/// order 1, the flip after). The defaults are the seed recipes' generator: flips, zoom 0.3, shifts 0.3, rotation 30,
/// fill nearest. Each view's parameters come from (<see cref="Seed"/>, image path, view index) alone, so a resumed or
/// sharded extraction gives the same views. Only labelled training rows get views (split "train", or none); the
/// trainer draws one of an image's rows per epoch, and validation, evaluation and prediction use the image itself.
/// </summary>
public sealed record AugmentationOptions
{
    /// <summary>Augmented views per training image, beside the image itself (view 0). Default 0: none.</summary>
    public int Views { get; init; }

    /// <summary>Flip horizontally with probability 1/2 (ImageDataGenerator's horizontal_flip). Default true.</summary>
    public bool Flip { get; init; } = true;

    /// <summary>Scale each axis by its own factor uniform in [1 - Zoom, 1 + Zoom] (zoom_range). Default 0.3.</summary>
    public float Zoom { get; init; } = 0.3f;

    /// <summary>Shift each axis by a fraction uniform in [-Shift, Shift] of its size (width_shift_range and height_shift_range). Default 0.3.</summary>
    public float Shift { get; init; } = 0.3f;

    /// <summary>Rotate by degrees uniform in [-Rotate, Rotate] (rotation_range). Default 30.</summary>
    public float Rotate { get; init; } = 30f;

    /// <summary>Default <see cref="FillMode.Nearest"/> (fill_mode "nearest").</summary>
    public FillMode Fill { get; init; } = FillMode.Nearest;

    /// <summary>The views' seed. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>No augmentation (the default of an extraction).</summary>
    public static AugmentationOptions None { get; } = new();

    internal void Validate()
    {
        if (Views is < 0 or > 1000) throw new OnnxTransferException($"`Views` {Views} must be between 0 and 1000.");
        if (!float.IsFinite(Zoom) || Zoom is < 0 or >= 1) throw new OnnxTransferException($"`Zoom` {Zoom.ToString(CultureInfo.InvariantCulture)} must be in [0, 1).");
        if (!float.IsFinite(Shift) || Shift is < 0 or >= 1) throw new OnnxTransferException($"`Shift` {Shift.ToString(CultureInfo.InvariantCulture)} must be in [0, 1) (a fraction of the image).");
        if (!float.IsFinite(Rotate) || Rotate is < 0 or > 180) throw new OnnxTransferException($"`Rotate` {Rotate.ToString(CultureInfo.InvariantCulture)} must be between 0 and 180 degrees.");
        if (!Enum.IsDefined(Fill)) throw new OnnxTransferException($"`Fill` {(int)Fill} is not a fill mode; use nearest, reflect or constant.");
    }
}
