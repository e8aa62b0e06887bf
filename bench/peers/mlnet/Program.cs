using System.Text.Json;
using Microsoft.ML;
using OnnxTransfer.Bench.Peers;
using OnnxTransfer.Features;
using OnnxTransfer.Onnx;

namespace OnnxTransfer.MlNetPeer;

/// <summary>
/// `OnnxTransfer.MlNetPeer --features DIR --input ROOT [--threads N] [--warmup N] [--variants V,...] [--train TRAINER:FEATURES,...]`:
/// ML.NET's image pipeline over the photos of an extraction (DIR's inputs, under ROOT), scoring the backbone.onnx that
/// extraction wrote, once per preprocessing variant (<see cref="ImagePipeline.Variants"/>); then each TRAINER (lbfgs,
/// sdca) on FEATURES: a variant's features or `extract` (DIR's own Parquet features). Progress goes to stderr, the
/// result to stdout as one JSON line (<see cref="MlNetReport"/>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        try
        {
            var options = PeerOptions.Parse(args);
            Console.WriteLine(JsonSerializer.Serialize(Run(options)));
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OnnxTransferException or IOException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (Exception e)
        {
            // ML.NET wraps what fails inside a pipeline (a native library, an unreadable photo); the bench reports the last
            // line of stderr, so that line names the innermost cause rather than a stack frame.
            Console.Error.WriteLine(e);
            Console.Error.WriteLine($"error: {e.GetBaseException().GetType().Name}: {e.GetBaseException().Message}");
            return 1;
        }
    }

    private static MlNetReport Run(PeerOptions options)
    {
        // The extraction's own rows: the same photos, labels and splits, in the same order.
        var extracted = FeatureSet.Load(options.Features);
        var model = OnnxModel.Load(Path.Combine(options.Features, FeatureFormat.BackboneFile)).Info;
        var ml = new MLContext(seed: 1);
        var photos = Enumerable.Range(0, extracted.Rows)
            .Select(i => new Photo { ImagePath = Path.Combine(options.Input, extracted.Paths[i]) }).ToArray();
        var pipeline = new ImagePipeline(ml, Path.Combine(options.Features, FeatureFormat.BackboneFile), model.Features[0].Output, model.InputSize, options.Threads);

        var featurizations = new List<MlNetFeaturization>();
        var features = new Dictionary<string, float[][]>();
        foreach (string variant in options.Variants)
        {
            Console.Error.WriteLine($"[mlnet] featurizing {photos.Length} photos: {variant}");
            var (result, rows) = pipeline.Featurize(variant, photos, options.Warmup);
            featurizations.Add(result);
            features[variant] = rows;
        }
        features[Trainers.Extracted] = [.. Enumerable.Range(0, extracted.Rows).Select(i => extracted.Row(i).ToArray())];

        var labels = extracted.Labels.Select(l => extracted.Classes[l]).ToArray();
        var trainings = new List<MlNetTraining>();
        foreach (var (trainer, source) in options.Trainings)
        {
            if (!features.TryGetValue(source, out var rows)) throw new ArgumentException($"--train {trainer}:{source}: no such features (not in --variants)");
            Console.Error.WriteLine($"[mlnet] training {trainer} on {source} features");
            trainings.Add(Trainers.FitAndScore(ml, trainer, source, rows, labels, extracted.Splits));
        }
        return new MlNetReport(Version(typeof(MLContext)), Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString(), Version(typeof(SkiaSharp.SKBitmap)),
                               options.Threads, featurizations, trainings);
    }

    /// <summary>The package version an assembly was built as (its informational version, less the commit).</summary>
    private static string Version(Type type) =>
        type.Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+')[0] ?? "?";
}
