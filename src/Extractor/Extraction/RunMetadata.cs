using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OnnxTransfer.Extractor.Augmentation;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Extractor.Runtime;
using OnnxTransfer.Features;
using OnnxTransfer.IO;
using OnnxTransfer.Models;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>What an extraction run is: the fingerprint a rerun must match to resume, and the metadata every shard carries.</summary>
internal static class RunMetadata
{
    /// <summary>
    /// Everything that changes the rows: model, layers, the image list with labels and splits, the class list (a
    /// label's index is its position there, so a class folder added or removed between runs renumbers every label),
    /// sharding, decoding and the stored precision.
    /// </summary>
    public static JsonObject Fingerprint(string modelSha256, ModelInfo info, ImageOptions image, InputSet inputs, int perShard, FeatureDtype dtype, int shards,
                                         AugmentationOptions augmentation)
    {
        var fingerprint = new JsonObject
        {
            ["model_sha256"] = modelSha256,
            ["layers"] = new JsonArray([.. info.Features.Select(f => (JsonNode)f.Layer)]),
            ["input_root"] = inputs.Root,
            ["inputs_sha256"] = FeatureSetManifest.InputsSha256(InputList(inputs)),
            ["classes"] = new JsonArray([.. inputs.Classes.Select(c => (JsonNode)c)]),
            [FeatureSetManifest.ImagesKey] = inputs.Items.Count,
            [FeatureSetManifest.ImagesPerShardKey] = perShard,
            ["input_size"] = image.Size,
            ["resize"] = OptionNames.Name(image.Resize),
            ["interpolation"] = OptionNames.Name(image.Interpolation),
            ["max_pixels"] = image.MaxPixels,
            // Added since the first release: see AddedKeys.
            [DtypeKey] = FeatureFormat.Name(dtype),
            [FeatureSetManifest.ShardsKey] = shards,
            [AugmentKey] = Augment(augmentation),
        };
        // Only where it applies, so an extraction of another mode resumes as before.
        if (image.Resize == ResizeMode.ShortSide) fingerprint["crop_fraction"] = CropFraction(image);
        return fingerprint;
    }

    private const string AugmentKey = "augment";

    /// <summary>How the crop fraction is recorded: the double's shortest round-trip form.</summary>
    public static string CropFraction(ImageOptions image) => image.CropFraction.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The fingerprint's (and every shard's) record of the views: "none", or each setting that makes them.</summary>
    public static JsonNode Augment(AugmentationOptions a) => a.Views == 0 ? "none" : new JsonObject
    {
        ["views"] = a.Views, ["flip"] = a.Flip, ["zoom"] = a.Zoom, ["shift"] = a.Shift, ["rotate"] = a.Rotate,
        ["fill"] = a.Fill.ToString().ToLowerInvariant(), ["seed"] = a.Seed,
    };

    /// <summary>Each image's relative path, label and split, in row order: what inputs_sha256 and inputs.tsv hold.</summary>
    public static IEnumerable<(string Path, string Label, string Split)> InputList(InputSet inputs) =>
        inputs.Items.Select(i => (i.RelativePath, i.Label, i.Split));

    private const string DtypeKey = "dtype";

    /// <summary>
    /// Fingerprint keys added since the first release, each with the value a manifest written before it implies
    /// (features were float32, one process extracted the whole input, no augmented views), so a folder an older version started still resumes.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, JsonNode>> AddedKeys { get; } =
        [new(DtypeKey, FeatureFormat.Name(FeatureDtype.Float32)), new(FeatureSetManifest.ShardsKey, 1), new(AugmentKey, "none")];

    /// <summary>The Parquet key-value metadata of every shard (keys in <see cref="FeatureFormat"/>).</summary>
    public static Dictionary<string, string> ForShards(string modelName, string modelSha256, ModelInfo info, IReadOnlyList<long[]> shapes, ImageOptions image,
                                                       AugmentationOptions augmentation)
    {
        var layers = info.Features.Select(f => f.Layer).ToList();
        var metadata = new Dictionary<string, string>
        {
            [FeatureFormat.ModelNameKey] = modelName,
            [FeatureFormat.ModelHashKey] = modelSha256,
            [FeatureFormat.LayersKey] = JsonSerializer.Serialize(layers),
            [FeatureFormat.FeatureShapesKey] = JsonSerializer.Serialize(layers.Zip(shapes).ToDictionary(p => p.First, p => p.Second)),
            [FeatureFormat.PoolKey] = JsonSerializer.Serialize(info.Features.ToDictionary(f => f.Layer, f => f.Pool)),
            [FeatureFormat.PreprocessKey] = info.Preprocess,
            [FeatureFormat.InputSizeKey] = image.Size.ToString(CultureInfo.InvariantCulture),
            [FeatureFormat.ResizeKey] = OptionNames.Name(image.Resize),
            [FeatureFormat.InterpolationKey] = OptionNames.Name(image.Interpolation),
            [FeatureFormat.OrtVersionKey] = SessionFactory.OrtVersion,
            [FeatureFormat.ToolVersionKey] = typeof(FeatureExtractor).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
            [FeatureFormat.RandomWeightsKey] = info.RandomWeights ? "true" : "false",
            [FeatureFormat.WeightsKey] = info.WeightsLabel,
        };
        // Only where it applies, so the other modes' shards keep the bytes they had before it existed.
        if (image.Resize == ResizeMode.ShortSide) metadata[FeatureFormat.CropFractionKey] = CropFraction(image);
        // Only with views, so a shard without them has the bytes it had before augmentation existed.
        if (augmentation.Views > 0) metadata[FeatureFormat.AugmentKey] = Augment(augmentation).ToJsonString();
        return metadata;
    }
}
