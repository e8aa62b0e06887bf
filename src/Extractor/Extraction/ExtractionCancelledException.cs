namespace OnnxTransfer.Extractor.Extraction;

/// <summary>
/// An extraction stopped by its caller (Ctrl-C, SIGTERM in the CLI) after saving what it had: <see cref="Saved"/> of
/// <see cref="Total"/> images are kept in the output folder, and the same call continues from there.
/// </summary>
public sealed class ExtractionCancelledException(int saved, int total, string outputDir)
    : OperationCanceledException($"{saved:N0} of {total:N0} images done and saved in {outputDir}; rerun the same command to continue")
{
    public int Saved { get; } = saved;

    public int Total { get; } = total;
}
