using System.Text.Json;
using OnnxTransfer.IO;

namespace OnnxTransfer.HeadTrainer.Export;

/// <summary>One layer's run in a layer sweep: where it is and its numbers (validation, and each clean split's accuracy).</summary>
public sealed record SweepLayer(string Layer, string Run, int Width, double Accuracy, double TopKAccuracy, double Auc, double LogLoss, int BestEpoch,
    IReadOnlyDictionary<string, double> CleanAccuracy);

/// <summary>
/// sweep.json, beside the layers' run folders of `train --sweep-layers`: every layer's numbers and the best one, chosen
/// by validation accuracy, then log loss, on <see cref="ValidationSplit"/> (so, like an epoch it chose, its number there
/// reads optimistic; a clean split's does not).
/// </summary>
public sealed record SweepSummary(string BestLayer, string BestRun, string ValidationSplit, IReadOnlyList<SweepLayer> Layers)
{
    public const string FileName = "sweep.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The best of <paramref name="layers"/>: highest validation accuracy, ties to the lower log loss.</summary>
    public static SweepSummary Of(IReadOnlyList<SweepLayer> layers, string validationSplit)
    {
        var best = layers.OrderByDescending(l => l.Accuracy).ThenBy(l => l.LogLoss).First();
        return new SweepSummary(best.Layer, best.Run, validationSplit, layers);
    }

    /// <summary>Writes sweepDirectory/sweep.json atomically.</summary>
    public void Save(string sweepDirectory) => AtomicFile.WriteAllText(Path.Combine(sweepDirectory, FileName), JsonSerializer.Serialize(this, Json));

    /// <summary>The sweep summary in <paramref name="directory"/>, or null when it holds none.</summary>
    public static SweepSummary? TryLoad(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<SweepSummary>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new OnnxTransferException($"'{path}' is not a valid sweep summary ({e.Message}); sweep the layers again.");
        }
    }
}
