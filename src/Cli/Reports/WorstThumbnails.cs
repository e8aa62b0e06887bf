using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Inference;

namespace OnnxTransfer.Cli.Reports;

/// <summary>Thumbnails of the worst misclassified photos for report.html.</summary>
internal static class WorstThumbnails
{
    public const int Side = 128;

    /// <param name="photos">Each evaluated photo's full path by the relative path the evaluation names it with; null when
    /// the evaluation read feature rows, which have no photo to show.</param>
    public static IReadOnlyList<WorstItem> For(IReadOnlyList<Misclassified> worst, IReadOnlyDictionary<string, string>? photos) =>
        [.. worst.Select(m => photos is null ? new WorstItem(m, null, null) : Of(m, photos[m.Path]))];

    private static WorstItem Of(Misclassified m, string path)
    {
        try
        {
            return new WorstItem(m, Thumbnail.Jpeg(path, Side), null);
        }
        catch (OnnxTransferException e)
        {
            // The photo was read moments ago; one changed since is said, here and in the report, and the rest go on.
            Terminal.Warn(e.Message);
            return new WorstItem(m, null, e.Message);
        }
    }
}
