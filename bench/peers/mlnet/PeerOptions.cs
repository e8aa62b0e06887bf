using System.Globalization;

namespace OnnxTransfer.MlNetPeer;

/// <summary>The peer's command line (see <see cref="Program"/>).</summary>
public sealed class PeerOptions
{
    public required string Features { get; init; }

    public required string Input { get; init; }

    /// <summary>ONNX Runtime intra-op threads, as the extraction it is compared with had (default 2).</summary>
    public int Threads { get; init; }

    /// <summary>Photos run through each pipeline before the timed pass, so both sides are timed warm (default 32).</summary>
    public int Warmup { get; init; }

    /// <summary>Preprocessing variants to featurize with (<see cref="ImagePipeline.Variants"/>); default the first, the pipeline proper.</summary>
    public required IReadOnlyList<string> Variants { get; init; }

    /// <summary>Trainer and feature source pairs (a variant, or <see cref="Trainers.Extracted"/>); default none.</summary>
    public required IReadOnlyList<(string Trainer, string Features)> Trainings { get; init; }

    public static PeerOptions Parse(string[] args)
    {
        string? features = null, input = null;
        int threads = 2, warmup = 32;
        List<string> variants = [ImagePipeline.Variants[0]];
        List<(string, string)> trainings = [];
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            string[] List() => Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            switch (args[i])
            {
                case "--features": features = Next(); break;
                case "--input": input = Next(); break;
                case "--threads": threads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--variants":
                    variants = [.. List()];
                    if (variants.FirstOrDefault(v => !ImagePipeline.Variants.Contains(v)) is { } bad)
                        throw new ArgumentException($"--variants {bad}: expected one of {string.Join(", ", ImagePipeline.Variants)}");
                    break;
                case "--train":
                    trainings = [.. List().Select(Training)];
                    break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        return new PeerOptions
        {
            Features = features ?? throw new ArgumentException("--features DIR is required (a folder `extract` wrote)"),
            Input = input ?? throw new ArgumentException("--input ROOT is required (the folder that extraction read)"),
            Threads = threads, Warmup = warmup, Variants = variants, Trainings = trainings,
        };
    }

    private static (string, string) Training(string spec)
    {
        var parts = spec.Split(':');
        return parts.Length == 2 && Trainers.Names.Contains(parts[0])
            ? (parts[0], parts[1])
            : throw new ArgumentException($"--train {spec}: expected TRAINER:FEATURES, TRAINER one of {string.Join(", ", Trainers.Names)}");
    }
}
