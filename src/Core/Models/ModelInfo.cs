using System.Text.Json;
using System.Text.Json.Serialization;
using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Models;

/// <summary>A named layer of an imported model: its Keras name and type, the graph tensor that
/// holds its output (NCHW inside the graph), and its parameter count as Keras counts it.</summary>
public sealed record LayerInfo(string Name, string Type, string Tensor, long Params);

/// <summary>A feature output of a truncated model: which layer, the graph output name, the pooling
/// applied and the per-image shape in Keras NHWC order ([H, W, C], or [C] when pooled).</summary>
public sealed record FeatureOutput(string Layer, string Output, string Pool, long[] Shape);

/// <summary>
/// The metadata contract every model this tool writes carries in ONNX metadata_props, so that
/// a model file alone says what it is, where its weights came from and how to feed it.
/// </summary>
public sealed class ModelInfo
{
    public const string Prefix = "onnx_transfer.";
    public const string ArchKey = Prefix + "arch";
    public const string WeightsKey = Prefix + "weights";
    public const string RandomWeightsKey = Prefix + "random_weights";
    public const string PreprocessKey = Prefix + "preprocess";
    public const string InputSizeKey = Prefix + "input_size";
    public const string LayersKey = Prefix + "layers";
    public const string FeaturesKey = Prefix + "features";
    public const string ClassesKey = Prefix + "classes";
    public const string ResizeKey = Prefix + "resize";
    public const string InterpolationKey = Prefix + "interpolation";
    public const string CropFractionKey = Prefix + "crop_fraction";
    public const string InputKey = Prefix + "input";
    public const string InputDtypeKey = Prefix + "input_dtype";
    public const string ChannelOrderKey = Prefix + "channel_order";

    /// <summary><see cref="Input"/> of a classifier whose graph takes a decoded photo of any size and resizes it.</summary>
    public const string RawInput = "raw";

    /// <summary><see cref="Input"/> of a classifier whose graph takes images already resized to <see cref="InputSize"/>.</summary>
    public const string FixedInput = "fixed";

    /// <summary>
    /// The image input of every model this tool produces: float32 [N,H,W,3], RGB 0-255, in backbones; in an exported
    /// classifier, what <see cref="Input"/> says.
    /// </summary>
    public const string ImageInput = "image";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Architecture: vgg19, efficientnetb0, mobilenet, or onnx for a wrapped foreign model.</summary>
    public string Arch { get; set; } = "";

    /// <summary>Where the weights came from, e.g. "keras:md5=...", "random:seed=42", "onnx:sha256=...".</summary>
    public string Weights { get; set; } = "";

    /// <summary>True when the weights are reproducible random values (tests, benchmarks): accuracy means nothing.</summary>
    public bool RandomWeights { get; set; }

    /// <summary>The preprocessing baked into the graph (caffe, tf, torch, bgr255, none, efficientnet).</summary>
    public string Preprocess { get; set; } = "";

    /// <summary>Default square input size; the graph may accept others.</summary>
    public int InputSize { get; set; } = 224;

    public List<LayerInfo> Layers { get; set; } = [];

    /// <summary>Set on truncated models: the feature outputs, in graph output order.</summary>
    public List<FeatureOutput> Features { get; set; } = [];

    /// <summary>Set on exported classifiers: how images were resized for training ("stretch", "center-crop").</summary>
    public string Resize { get; set; } = "";

    /// <summary>Set on exported classifiers: the resize filter used for training ("bilinear", ...).</summary>
    public string Interpolation { get; set; } = "";

    /// <summary>Set on exported classifiers trained with the short-side resize: its crop fraction ("0.875").</summary>
    public string CropFraction { get; set; } = "";
    /// <summary>
    /// Set on exported classifiers: <see cref="RawInput"/> (<c>image</c> is uint8 [N,H,W,3] RGB of any size, cropped and
    /// resized inside the graph) or <see cref="FixedInput"/> (float32 [N,InputSize,InputSize,3] RGB 0-255, already
    /// resized). Empty on files exported before the raw form existed, which take the fixed form.
    /// </summary>
    public string Input { get; set; } = "";

    /// <summary>True when the graph takes decoded photos of any size (<see cref="Input"/> is <see cref="RawInput"/>).</summary>
    public bool TakesRawPhotos => Input == RawInput;

    /// <summary>Set on exported classifiers: class names in output order.</summary>
    public List<string> Classes { get; set; } = [];

    internal static ModelInfo Read(ModelProto model)
    {
        var props = model.MetadataProps.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        string Get(string k) => props.TryGetValue(k, out var v) ? v : "";
        var info = new ModelInfo
        {
            Arch = Get(ArchKey),
            Weights = Get(WeightsKey),
            RandomWeights = Get(RandomWeightsKey) == "true",
            Preprocess = Get(PreprocessKey),
            InputSize = int.TryParse(Get(InputSizeKey), out int s) ? s : 224,
            Resize = Get(ResizeKey),
            Interpolation = Get(InterpolationKey),
            CropFraction = Get(CropFractionKey),
            Input = Get(InputKey),
        };
        if (props.TryGetValue(LayersKey, out var layers)) info.Layers = JsonSerializer.Deserialize<List<LayerInfo>>(layers, Json) ?? [];
        if (props.TryGetValue(FeaturesKey, out var features)) info.Features = JsonSerializer.Deserialize<List<FeatureOutput>>(features, Json) ?? [];
        if (props.TryGetValue(ClassesKey, out var classes)) info.Classes = JsonSerializer.Deserialize<List<string>>(classes, Json) ?? [];
        return info;
    }

    /// <summary>True when the model carries this tool's metadata (it was imported or produced here).</summary>
    internal static bool IsTagged(ModelProto model) => model.MetadataProps.Any(p => p.Key == ArchKey);

    /// <summary>Replaces this tool's keys in the model's metadata_props, keeping all others.</summary>
    internal void WriteTo(ModelProto model)
    {
        var keep = model.MetadataProps.Where(p => !p.Key.StartsWith(Prefix, StringComparison.Ordinal)).ToList();
        model.MetadataProps.Clear();
        model.MetadataProps.AddRange(keep);
        foreach (var (k, v) in Entries())
            model.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
    }

    public IEnumerable<(string Key, string Value)> Entries()
    {
        yield return (ArchKey, Arch);
        yield return (WeightsKey, Weights);
        yield return (RandomWeightsKey, RandomWeights ? "true" : "false");
        yield return (PreprocessKey, Preprocess);
        yield return (InputSizeKey, InputSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (Resize.Length > 0) yield return (ResizeKey, Resize);
        if (Interpolation.Length > 0) yield return (InterpolationKey, Interpolation);
        if (CropFraction.Length > 0) yield return (CropFractionKey, CropFraction);
        if (Input.Length > 0)
        {
            // Derived from Input, written out so the file alone states its whole input contract.
            yield return (InputKey, Input);
            yield return (InputDtypeKey, TakesRawPhotos ? "uint8" : "float32");
            yield return (ChannelOrderKey, "rgb");
        }
        if (Layers.Count > 0) yield return (LayersKey, JsonSerializer.Serialize(Layers, Json));
        if (Features.Count > 0) yield return (FeaturesKey, JsonSerializer.Serialize(Features, Json));
        if (Classes.Count > 0) yield return (ClassesKey, JsonSerializer.Serialize(Classes, Json));
    }

    /// <summary>A one-line, human-readable description of the weights, shown in every output.</summary>
    public string WeightsLabel => RandomWeights
        ? $"RANDOM weights ({Weights}) - for tests and timing only, accuracy is meaningless"
        : Weights;
}
