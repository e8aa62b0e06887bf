using System.Text.RegularExpressions;

namespace OnnxTransfer.Cli;

/// <summary>
/// The one table from the libraries' words to the command line's. Library messages name options by property, in
/// backticks (`BatchSize`), and the few API calls they suggest likewise (`ModelZoo.FetchAsync(vgg19)`), so a program
/// using the libraries reads its own terms; the CLI prints flags and verbs instead.
/// </summary>
internal static partial class LibraryTerms
{
    /// <summary>Option properties and the flags that set them.</summary>
    internal static IReadOnlyDictionary<string, string> Flags { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["AllowPartial"] = "--allow-partial", ["ArenaExtendStrategy"] = "--gpu-arena-extend", ["ConvAlgoSearch"] = "--cudnn-conv-algo-search", ["GpuMemoryLimit"] = "--gpu-mem-limit", ["BackbonePath"] = "--backbone", ["BatchSize"] = "--batch-size", ["CropFraction"] = "--crop-fraction",
        ["CheckpointInterval"] = "--checkpoint-seconds", ["Device"] = "--device", ["Dropout"] = "--dropout", ["Dtype"] = "--dtype", ["EndLearningRate"] = "--end-lr",
        ["Epochs"] = "--epochs", ["Fill"] = "--fill", ["Gamma"] = "--gamma", ["Holdout"] = "--holdout", ["Input"] = "--input", ["InputSize"] = "--input-size", ["Interpolation"] = "--interpolation", ["JpegDecoder"] = "--jpeg-decoder", ["L2"] = "--l2",
        ["LabelSmoothing"] = "--label-smoothing", ["Layer"] = "--layer", ["Layers"] = "--layer", ["LearningRate"] = "--lr", ["Loss"] = "--loss",
        ["MaxFileBytes"] = "--max-file-size", ["MaxIterations"] = "--max-iter", ["MaxMemory"] = "--max-memory", ["MinDelta"] = "--min-delta", ["Monitor"] = "--monitor", ["Momentum"] = "--momentum", ["Nesterov"] = "--nesterov", ["Optimizer"] = "--optimizer", ["Overwrite"] = "--overwrite",
        ["Patience"] = "--patience", ["Pool"] = "--pool", ["Power"] = "--power", ["Resize"] = "--resize", ["RestoreBest"] = "--restore-best", ["Resume"] = "--resume", ["Rotate"] = "--rotate", ["Sessions"] = "--sessions", ["Solver"] = "--solver", ["Shift"] = "--shift", ["Schedule"] = "--schedule", ["Shard"] = "--shard", ["ShardCount"] = "--shard-count",
        ["StepSize"] = "--step-size", ["Threads"] = "--threads", ["Tolerance"] = "--tol", ["TopK"] = "--top-k", ["ValidationSplit"] = "--val-split", ["Views"] = "--augment",
        ["WarmupEpochs"] = "--warmup-epochs", ["WeightDecay"] = "--weight-decay", ["Zoom"] = "--zoom",
    };

    private static readonly (Regex Call, MatchEvaluator Command)[] Calls =
    [
        (FetchCall(), m => $"`onnx-transfer models fetch {m.Groups[1]}`"),
        (RandomWeightsCall(), m => $"`onnx-transfer models import --random-weights --arch {m.Groups[1]} --seed 1 -o {m.Groups[1]}-random.onnx`"),
        (ImportCall(), m => $"`onnx-transfer models import --keras {m.Groups[1]} --arch {m.Groups[2]}{(m.Groups[3].Success ? $" --alpha {m.Groups[3]}" : "")} -o {m.Groups[4]}`"),
        (TruncateCall(), _ => "`--layer NAME`, or `onnx-transfer models truncate`"),
        (WrapCall(), _ => "import it with `onnx-transfer models import --onnx`"),
    ];

    /// <summary>The message in the command line's words.</summary>
    public static string ToCli(string message)
    {
        foreach (var (call, command) in Calls) message = call.Replace(message, command);
        return OptionName().Replace(message, m => Flags.TryGetValue(m.Groups[1].Value, out string? flag) ? flag : m.Value);
    }

    [GeneratedRegex(@"`([A-Z][A-Za-z0-9]*)`")]
    private static partial Regex OptionName();

    [GeneratedRegex(@"`ModelZoo\.FetchAsync\(([\w.]+)\)`")]
    private static partial Regex FetchCall();

    [GeneratedRegex(@"`KerasImporter\.RandomWeights\(([\w.]+)\)`")]
    private static partial Regex RandomWeightsCall();

    [GeneratedRegex(@"`KerasImporter\.Import\(([^,`]+), ([\w.]+)(?:, alpha ([\d.]+))?\) -> ([^`]+)`")]
    private static partial Regex ImportCall();

    [GeneratedRegex(@"`GraphTruncator\.Truncate`")]
    private static partial Regex TruncateCall();

    [GeneratedRegex(@"wrap it \(`ForeignModelImporter\.Import`\)")]
    private static partial Regex WrapCall();
}
