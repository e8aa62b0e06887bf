using System.Text.Json;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.IO;

namespace OnnxTransfer.HeadTrainer.Tests;

/// <summary>Writes feature sets in the extractor's format with its own FeatureWriter: Gaussian class clusters.</summary>
internal static class SyntheticFeatures
{
    /// <summary>
    /// n rows of width d, class c centred at a random mean of scale <paramref name="separation"/>;
    /// rows alternate train/val when <paramref name="withVal"/>, else all "train". Writes a dummy backbone.onnx whose hash is recorded.
    /// Row groups are the writer's default size, or those of <paramref name="groups"/> in turn; <paramref name="relabel"/> may change row r's identity columns.
    /// </summary>
    public static (float[] Features, int[] Labels) Write(string dir, int n, int d, int classes, ulong seed = 1, float separation = 2f,
        bool withVal = true, Action<float[]>? tamper = null, string layer = "gap", int[]? groups = null, Func<int, RowKey, RowKey>? relabel = null)
    {
        var rng = new Rng(seed);
        var means = new float[classes * d];
        for (int i = 0; i < means.Length; i++) means[i] = (float)rng.NextGaussian() * separation;
        var features = new float[n * d];
        var labels = new int[n];
        for (int r = 0; r < n; r++)
        {
            labels[r] = r % classes;
            for (int f = 0; f < d; f++) features[r * d + f] = means[labels[r] * d + f] + (float)rng.NextGaussian();
        }
        tamper?.Invoke(features);
        Directory.CreateDirectory(dir);
        string backbone = Path.Combine(dir, FeatureFormat.BackboneFile);
        File.WriteAllBytes(backbone, [1, 2, 3, (byte)seed]);
        var names = Enumerable.Range(0, classes).Select(c => $"class{c}").ToArray();
        var meta = new Dictionary<string, string>
        {
            [FeatureFormat.ModelNameKey] = "synthetic",
            [FeatureFormat.ModelHashKey] = Hashing.Sha256File(backbone),
            [FeatureFormat.LayersKey] = JsonSerializer.Serialize(new[] { layer }),
            [FeatureFormat.FeatureShapesKey] = JsonSerializer.Serialize(new Dictionary<string, int[]> { [layer] = [d] }),
            [FeatureFormat.PoolKey] = JsonSerializer.Serialize(new Dictionary<string, string> { [layer] = "avg" }),
            [FeatureFormat.PreprocessKey] = "none",
            [FeatureFormat.InputSizeKey] = "32",
            [FeatureFormat.ResizeKey] = "stretch",
            [FeatureFormat.InterpolationKey] = "bilinear",
            [FeatureFormat.RandomWeightsKey] = "true",
            [FeatureFormat.WeightsKey] = "random:seed=1",
        };
        var writer = new FeatureWriter([layer], meta);
        // Two shards, to exercise multi-file reading.
        int half = n / 2;
        foreach (var (shard, from, to) in new[] { (0, 0, half), (1, half, n) })
        {
            var rows = new ShardRows([d], to - from);
            for (int r = from; r < to; r++)
            {
                string split = withVal ? (r / classes % 3 == 2 ? "val" : "train") : "train";
                var key = new RowKey($"{split}/{names[labels[r]]}/img{r:D4}.jpg", names[labels[r]], labels[r], split);
                rows.Items.Add(relabel?.Invoke(r, key) ?? key);
            }
            Array.Copy(features, from * d, rows.Features[0], 0, (to - from) * d);
            string path = Path.Combine(dir, FeatureFormat.ShardName(shard));
            CommittedFile committed;
            if (groups is null) committed = writer.Write(rows, path);
            else
            {
                using var file = writer.OpenAsync(path).GetAwaiter().GetResult();
                for (int first = 0, k = 0; first < rows.Count; k++)
                {
                    int count = Math.Min(groups[k % groups.Length], rows.Count - first);
                    file.AppendAsync(rows, first, count).GetAwaiter().GetResult();
                    first += count;
                }
                committed = file.CommitAsync().GetAwaiter().GetResult();
            }
            // The extractor's records: what readers check a set's completeness and integrity against.
            FeatureSetManifest.WriteRecord(dir, new ShardRecord(shard, to - from, [], committed.Bytes, committed.Sha256));
        }
        WriteManifest(dir, n, n - half);
        File.WriteAllText(Path.Combine(dir, FeatureFormat.ClassesFile), JsonSerializer.Serialize(names));
        return (features, labels);
    }

    /// <summary>The manifest.json keys a reader needs: how many images the set has and how many a shard holds.</summary>
    public static void WriteManifest(string dir, int images, int perShard) =>
        File.WriteAllText(Path.Combine(dir, FeatureSetManifest.ManifestFile),
            $"{{\"{FeatureSetManifest.ImagesKey}\": {images}, \"{FeatureSetManifest.ImagesPerShardKey}\": {perShard}}}");
}
