namespace OnnxTransfer.Inference;

/// <summary>What an exported classifier's <c>image</c> input takes.</summary>
public enum ExportInput
{
    /// <summary>
    /// A decoded photo of any size: uint8 [N,H,W,3], RGB, upright (EXIF orientation applied), N photos of one size. The
    /// graph crops the largest centred square when training did, and resizes as the tool does.
    /// </summary>
    Raw,

    /// <summary>Images already cropped and resized as training did: float32 [N,InputSize,InputSize,3], RGB 0-255.</summary>
    Fixed,
}

/// <summary>How <see cref="ChainExporter"/> writes a classifier.</summary>
public sealed class ExportOptions
{
    /// <summary>Default <see cref="ExportInput.Raw"/>, refused (with the reason) for runs whose resize no ONNX graph reproduces.</summary>
    public ExportInput Input { get; init; } = ExportInput.Raw;
}
