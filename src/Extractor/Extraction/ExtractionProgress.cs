namespace OnnxTransfer.Extractor.Extraction;

/// <summary>
/// A progress report. Done counts images finished (written or failed), including Skipped ones a
/// previous run already finished; ImagesPerSecond and Eta count only this run's work.
/// </summary>
public sealed record ExtractionProgress(int Total, int Done, int Skipped, int Errors, double ImagesPerSecond, TimeSpan? Eta);
