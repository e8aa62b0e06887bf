using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Onnx;

namespace OnnxTransfer.Cli.Demo;

/// <summary>
/// Picks the demo's backbone: the real Keras weights when cached or fetchable, else reproducible
/// random weights; the caller is told which, and why.
/// </summary>
internal static class DemoBackbone
{
    /// <summary>The layer each architecture is cut at for the demo (pooled): the usual "CNN codes".</summary>
    public static string FeatureLayer(string arch) => arch switch
    {
        "vgg19" => "block5_pool",
        "mobilenet" => "conv_pw_13_relu",
        _ => "top_activation",
    };

    public static async Task<(OnnxModel Model, string Why)> LoadAsync(string arch, bool offline, int seed, CancellationToken ct)
    {
        if (ModelZoo.IsCached(arch)) return (ModelZoo.Load(arch), "real ImageNet weights, from the cache");
        string why;
        if (offline) why = "--offline given";
        else
        {
            try
            {
                Console.WriteLine($"fetching the official {arch} weights (set --offline to skip)...");
                await ModelZoo.FetchAsync(arch, null, null, ct);
                return (ModelZoo.Load(arch), "real ImageNet weights, just fetched");
            }
            catch (OnnxTransferException e)
            {
                why = $"could not fetch them: {LibraryTerms.ToCli(e.Message).TrimEnd('.')}";
            }
        }
        var zoo = ModelZoo.Get(arch);
        var model = KerasImporter.RandomWeights(zoo.KerasArch, new KerasImportOptions { Alpha = zoo.Alpha }, seed);
        return (model, $"RANDOM weights (seed {seed}), because the real ones are not cached and {why}. " +
                       $"Accuracy then says little about real use: run `onnx-transfer models fetch {arch}` where the network allows, then the demo again.");
    }
}
