using System.Text.Json;
using System.Text.Json.Serialization;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.IO;

namespace OnnxTransfer.HeadTrainer.Export;

/// <summary>
/// head.json: what a consumer of head.onnx needs to feed it and read it — class names, the feature layer and
/// its shape, the extraction settings the features came from — plus the training configuration and final metrics.
/// </summary>
public sealed record HeadSidecar
{
    public IReadOnlyList<string> Classes { get; init; } = [];
    public string FeatureLayer { get; init; } = "";
    public int[] FeatureShape { get; init; } = [];
    public int FeatureWidth { get; init; }
    public FeatureSource Source { get; init; } = new();
    public string Head { get; init; } = "";
    public LossKind Loss { get; init; }
    public TrainerOptions Training { get; init; } = new();

    /// <summary>The solver that ran (the options say only what was asked: `Solver` auto picks one); null in runs written before it was recorded.</summary>
    public SolverRun? Solver { get; init; }
    public int BestEpoch { get; init; }
    public int EpochsRun { get; init; }

    /// <summary>The split <see cref="Metrics"/> are on: "val", or "holdout" (carved out of train); "" in runs written before it was recorded.</summary>
    public string ValidationSplit { get; init; } = "";

    /// <summary>Whether the validation rows chose the epoch (early stopping, the restored best checkpoint), which makes <see cref="Metrics"/> optimistic.</summary>
    public bool ChoseEpoch { get; init; }

    /// <summary>Validation metrics of the exported weights: accuracy, top_k_accuracy, auc, log_loss, macro_f1.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>The same metrics on each clean split (never trained or selected on), by split name, e.g. "test".</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> CleanMetrics { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, double>>();

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower), new HeadSpecConverter() },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Writes runDirectory/head.json atomically.</summary>
    public void Save(string runDirectory) => AtomicFile.WriteAllText(Path.Combine(runDirectory, RunFiles.Sidecar), ToJson());

    /// <summary>Reads runDirectory/head.json.</summary>
    public static HeadSidecar Load(string runDirectory)
    {
        string path = Path.Combine(runDirectory, RunFiles.Sidecar);
        if (!File.Exists(path)) throw new OnnxTransferException($"'{runDirectory}' has no {RunFiles.Sidecar}; is it a run directory written by onnx-transfer train?");
        try
        {
            return JsonSerializer.Deserialize<HeadSidecar>(File.ReadAllText(path), Json) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new OnnxTransferException($"'{path}' is not a valid head sidecar ({e.Message}); retrain or restore it.");
        }
    }

    private sealed class HeadSpecConverter : JsonConverter<HeadSpec>
    {
        public override HeadSpec Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => HeadSpec.Parse(reader.GetString() ?? "");

        public override void Write(Utf8JsonWriter writer, HeadSpec value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }
}
