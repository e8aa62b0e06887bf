using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Extractor.Models;

/// <summary>The built-in Keras architectures.</summary>
public enum KerasArch { Vgg19, EfficientNetB0, MobileNet }

/// <summary>Options for importing Keras weights. Defaults follow keras.applications.</summary>
public sealed class KerasImportOptions
{
    /// <summary>MobileNet width multiplier (0.25, 0.5, 0.75, 1.0). Ignored by other architectures.</summary>
    public double Alpha { get; init; } = 1.0;

    /// <summary>Default square input size recorded in the model (224 for all three).</summary>
    public int InputSize { get; init; } = 224;
}

/// <summary>Builds ONNX graphs with Keras layer names from Keras save_weights .h5 files.</summary>
public static class KerasImporter
{
    // CONTRACT PLACEHOLDER: replaced by the keras-import work before anything lands.
    public static ModelProto Import(string h5Path, KerasArch arch, KerasImportOptions options) =>
        throw new NotImplementedException();

    public static ModelProto RandomWeights(KerasArch arch, KerasImportOptions options, int seed) =>
        throw new NotImplementedException();
}
