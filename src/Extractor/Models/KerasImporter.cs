using OnnxTransfer.Extractor.Models.Keras;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Extractor.Models;

/// <summary>The built-in Keras architectures.</summary>
public enum KerasArch
{
    Vgg19,
    EfficientNetB0,
    MobileNet,
    Vgg16,
    EfficientNetB1,
    EfficientNetB2,
    EfficientNetB3,
    EfficientNetB4,
    EfficientNetB5,
    EfficientNetB6,
    EfficientNetB7,
    InceptionV3,
    ResNet50,
    MobileNetV2,
}

/// <summary>Options for importing Keras weights. Defaults follow keras.applications.</summary>
public sealed class KerasImportOptions
{
    /// <summary>Width multiplier: MobileNet 0.25, 0.5, 0.75, 1.0; MobileNetV2 0.35, 0.5, 0.75, 1.0, 1.3, 1.4. Ignored by other architectures. Default 1.0.</summary>
    public double Alpha { get; init; } = 1.0;

    /// <summary>Square input size recorded in the model (what extraction resizes to by default); the graph accepts
    /// any size of at least <see cref="KerasImporter.MinimumInputSize"/> pixels per side (32; 75 for InceptionV3). Default null: the architecture's Keras default
    /// (<see cref="KerasImporter.DefaultInputSize"/>: 224 for most, 299 for InceptionV3, 240 to 600 for EfficientNetB1 to B7).</summary>
    public int? InputSize { get; init; }

    /// <summary>Random weights only: set each BatchNormalization's moving mean and variance to the statistics
    /// of its input on a fixed synthetic probe batch (see <see cref="KerasImporter.RandomWeights"/>), so that
    /// the features still depend on the image. Ignored by <see cref="KerasImporter.Import"/>. Default true.</summary>
    public bool CalibrateRandomWeights { get; init; } = true;
}

/// <summary>
/// Builds ONNX graphs with Keras layer names from Keras save_weights .h5 files (include_top=False).
/// The graph takes <see cref="ModelInfo.ImageInput"/> float32 [N,H,W,3] RGB 0-255 with symbolic N, H, W,
/// does the architecture's preprocessing itself, runs in NCHW and names every Keras layer's output tensor
/// after the layer (see <see cref="ModelInfo.Layers"/>); its one output is the last layer, NCHW.
/// </summary>
public static class KerasImporter
{
    /// <summary>The smallest input side an imported architecture takes, as Keras enforces it (32; 75 for InceptionV3),
    /// or 1 for a model this importer did not build.</summary>
    public static int MinimumInputSize(string arch) =>
        Enum.GetValues<KerasArch>().Where(a => KerasArchitecture.Id(a) == arch).Select(KerasArchitecture.MinimumInputSize).FirstOrDefault(1);

    /// <summary>The architecture's name, as manifests, metadata and the command line spell it ("vgg19", "efficientnetb3").</summary>
    public static string ArchitectureName(KerasArch arch) => KerasArchitecture.Id(arch);

    /// <summary>The input size keras.applications builds <paramref name="arch"/> for (its published weights' resolution).</summary>
    public static int DefaultInputSize(KerasArch arch) => KerasArchitecture.DefaultInputSize(arch);

    /// <summary>Imports the weights in <paramref name="h5Path"/> (keras.applications layout) into an ONNX model.</summary>
    /// <exception cref="OnnxTransferException">The file is missing, not HDF5, of another architecture, or lacks/mis-shapes a weight.</exception>
    public static OnnxModel Import(string h5Path, KerasArch arch, KerasImportOptions options)
    {
        KerasArchitecture.Validate(arch, options);
        using var weights = KerasH5Weights.Open(h5Path, KerasArchitecture.Label(arch, options), KerasArchitecture.DownloadHint(arch, options));
        var model = Build(arch, options, weights);
        weights.CheckAllUsed();
        return new OnnxModel(model);
    }

    /// <summary>
    /// The same graph with reproducible random weights (same seed, identical bytes) for tests and timing:
    /// He/Glorot kernels, BatchNormalization gamma near 1 and beta near 0, and - unless
    /// <see cref="KerasImportOptions.CalibrateRandomWeights"/> is off - moving statistics measured on 8 synthetic
    /// 96x96 images drawn from the seed, layer by layer (BN re-estimation). Calibrated models record
    /// weights "random:seed=N,calibrated"; VGG19 has no BatchNormalization and stays "random:seed=N".
    /// </summary>
    public static OnnxModel RandomWeights(KerasArch arch, KerasImportOptions options, int seed)
    {
        KerasArchitecture.Validate(arch, options);
        var model = Build(arch, options, new RandomKerasWeights(seed));
        if (options.CalibrateRandomWeights && BatchNormCalibration.Calibrate(model, seed))
        {
            var info = ModelInfo.Read(model);
            info.Weights += ",calibrated";
            info.WriteTo(model);
        }
        return new OnnxModel(model);
    }

    private static ModelProto Build(KerasArch arch, KerasImportOptions options, IKerasWeights weights)
    {
        string id = KerasArchitecture.Id(arch);
        var builder = new GraphBuilder(id);
        KerasGraph.DeclareImageInput(builder);
        var keras = new KerasGraph(builder, weights);
        string output = arch switch
        {
            KerasArch.Vgg19 or KerasArch.Vgg16 => Vgg.Build(keras, ModelInfo.ImageInput, arch),
            _ when EfficientNet.Is(arch) => EfficientNet.Build(keras, ModelInfo.ImageInput, arch),
            KerasArch.MobileNet => MobileNet.Build(keras, ModelInfo.ImageInput, options.Alpha),
            KerasArch.InceptionV3 => InceptionV3.Build(keras, ModelInfo.ImageInput),
            KerasArch.ResNet50 => ResNet50.Build(keras, ModelInfo.ImageInput),
            KerasArch.MobileNetV2 => MobileNetV2.Build(keras, ModelInfo.ImageInput, options.Alpha),
            _ => throw new ArgumentOutOfRangeException(nameof(arch), arch, null),
        };
        long channels = arch switch
        {
            KerasArch.Vgg19 or KerasArch.Vgg16 => 512,
            _ when EfficientNet.Is(arch) => EfficientNet.TopChannels(arch),
            KerasArch.MobileNet => (long)(1024 * options.Alpha),
            KerasArch.InceptionV3 or KerasArch.ResNet50 => 2048,
            KerasArch.MobileNetV2 => MobileNetV2.OutputChannels(options.Alpha),
            _ => throw new ArgumentOutOfRangeException(nameof(arch), arch, null),
        };
        builder.Output(output, DataType.Float, "N", channels, "out_h", "out_w");
        var model = builder.ToModel();
        new ModelInfo
        {
            Arch = id,
            Weights = weights.Origin,
            RandomWeights = weights.IsRandom,
            Preprocess = KerasArchitecture.Preprocess(arch),
            InputSize = options.InputSize ?? KerasArchitecture.DefaultInputSize(arch),
            Layers = keras.Layers,
        }.WriteTo(model);
        return model;
    }
}
