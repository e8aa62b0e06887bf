using OnnxTransfer.IO;

namespace OnnxTransfer.Cli.Reports;

/// <summary>Writes a rendered picture as a PNG file.</summary>
internal static class PngFile
{
    /// <summary>Encodes in memory and writes atomically, so a full disk is an error, not a truncated PNG.</summary>
    public static void Save(ScottPlot.Image image, string path)
    {
        using (image) AtomicFile.WriteAllBytes(path, image.GetImageBytes(ScottPlot.ImageFormat.Png));
    }
}
