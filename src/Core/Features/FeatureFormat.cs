namespace OnnxTransfer.Features;

/// <summary>
/// The on-disk contract of a feature set, written by the extractor and read by the trainer
/// and by any Parquet reader: a directory of part-NNNNN.parquet shards plus classes.json.
/// Each feature column is a list of float32 holding one image's features flattened in Keras
/// NHWC order (what Keras's Flatten() gives); with <see cref="FeatureDtype.Float16"/> those float32 values are
/// float16 values (<see cref="DtypeKey"/> says which).
/// </summary>
public static class FeatureFormat
{
    public const string PathColumn = "path";
    public const string LabelColumn = "label";
    public const string LabelIndexColumn = "label_index";
    public const string SplitColumn = "split";

    /// <summary>
    /// Only in sets extracted with augmented views: 0 for the image itself, 1..K for its views (the rows of one image
    /// are consecutive, view 0 first). A shard without the column holds only view 0.
    /// </summary>
    public const string ViewColumn = "view";

    /// <summary>Feature columns are named "features.&lt;layer&gt;".</summary>
    public const string FeatureColumnPrefix = "features.";

    public const string ShardPattern = "part-*.parquet";
    public const string ClassesFile = "classes.json";
    public const string SummaryFile = "summary.json";
    public const string ErrorsFile = "errors.tsv";

    /// <summary>The extraction's input list, one "path, label, split" TSV line per image in row order (see FeatureSetManifest.InputsText).</summary>
    public const string InputsFile = "inputs.tsv";

    /// <summary>What a shard task of a sharded extraction writes in place of summary.json: its own run's summary.</summary>
    public const string ShardSummaryPattern = "summary.shard-*.json";

    public static string ShardSummaryFile(int index, int count) => $"summary.shard-{index}-of-{count}.json";

    /// <summary>The truncated model the features were extracted with; its SHA-256 is <see cref="ModelHashKey"/>.</summary>
    public const string BackboneFile = "backbone.onnx";

    // Parquet key-value metadata keys.
    public const string MetaPrefix = "onnx_transfer.";
    public const string ModelNameKey = MetaPrefix + "model";
    public const string ModelHashKey = MetaPrefix + "model_sha256";
    public const string LayersKey = MetaPrefix + "layers";
    public const string FeatureShapesKey = MetaPrefix + "feature_shapes";
    public const string PoolKey = MetaPrefix + "pool";
    public const string PreprocessKey = MetaPrefix + "preprocess";
    public const string InputSizeKey = MetaPrefix + "input_size";
    public const string ResizeKey = MetaPrefix + "resize";
    public const string InterpolationKey = MetaPrefix + "interpolation";

    /// <summary>The short-side resize's crop fraction (G17, invariant); only in sets that resize so.</summary>
    public const string CropFractionKey = MetaPrefix + "crop_fraction";
    public const string OrtVersionKey = MetaPrefix + "ort_version";
    public const string ToolVersionKey = MetaPrefix + "tool_version";
    public const string RandomWeightsKey = MetaPrefix + "random_weights";
    public const string WeightsKey = MetaPrefix + "weights";

    /// <summary>Only in sets with augmented views: the settings that made them (views, flip, zoom, shift, rotate, fill, seed), as JSON.</summary>
    public const string AugmentKey = MetaPrefix + "augment";

    /// <summary>The <see cref="FeatureDtype"/> of the feature columns, "float32" or "float16"; shards written before it existed lack it and are float32.</summary>
    public const string DtypeKey = MetaPrefix + "dtype";

    public const string Unlabelled = "";
    public const int NoLabel = -1;

    /// <summary>Which images get augmented views in a set extracted with them: labelled training images (split "train", or none).</summary>
    internal static bool GetsViews(string label, string split) => label.Length > 0 && split is FeatureSet.Train or "";

    public static string ShardName(int index) => $"part-{index:D5}.parquet";

    public static string FeatureColumn(string layer) => FeatureColumnPrefix + layer;

    /// <summary>The spelling of a dtype in metadata and on the command line: "float32", "float16".</summary>
    internal static string Name(FeatureDtype dtype) => dtype switch
    {
        FeatureDtype.Float32 => "float32",
        FeatureDtype.Float16 => "float16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <summary>The dtype named <paramref name="name"/> (<see cref="Name"/>), or null when it names none.</summary>
    internal static FeatureDtype? ParseDtype(string name) => Enum.GetValues<FeatureDtype>().Select(d => (FeatureDtype?)d).FirstOrDefault(d => Name(d!.Value) == name);
}
