namespace OnnxTransfer.Extractor.Imaging;

/// <summary>
/// An input image that cannot be used (unreadable, empty, not an image, truncated, too large).
/// The extractor records <see cref="Exception.Message"/> as the reason in errors.tsv and carries on.
/// </summary>
internal sealed class ImageLoadException : Exception
{
    public ImageLoadException(string reason) : base(reason) { }

    public ImageLoadException(string reason, Exception inner) : base(reason, inner) { }
}
