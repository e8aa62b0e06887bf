namespace OnnxTransfer.Bench.Peers;

// The contract between the bench and its ML.NET peer (bench/peers/mlnet), which prints one MlNetReport as JSON.
// This file is compiled into both: the peer cannot reference the bench (two SkiaSharp majors in one process), so
// sharing the source is what keeps the two sides of the JSON from drifting apart.

/// <summary>One pass of ML.NET's image pipeline over every photo: its preprocessing, wall and CPU time, peak memory.</summary>
public sealed record MlNetFeaturization(string Variant, int Images, double Seconds, double CpuSeconds, long PeakRssBytes)
{
    public double ImagesPerSecond => Images / Seconds;
}

/// <summary>One ML.NET trainer fitted on the training rows of one feature source, scored on the validation rows.</summary>
public sealed record MlNetTraining(string Trainer, string Features, int TrainRows, int ValRows, double Seconds, double ValAccuracy, long PeakRssBytes);

/// <summary>What the peer ran on and measured.</summary>
public sealed record MlNetReport(string MlNetVersion, string OrtVersion, string SkiaSharpVersion, int Threads,
                                 IReadOnlyList<MlNetFeaturization> Featurizations, IReadOnlyList<MlNetTraining> Trainings);
