using Microsoft.ML.OnnxRuntime;
using OnnxTransfer.Extractor.Models;

namespace OnnxTransfer.Extractor.Runtime;

/// <summary>Turns ONNX Runtime's refusal of a model (an unknown op, a type error, an input it cannot take) into a one-line user error.</summary>
internal static class OrtErrors
{
    public const string Fix = "re-export the model with onnx, or wrap it (`ForeignModelImporter.Import`)";

    /// <param name="model">The model as messages name it (<see cref="ModelLayers.DisplayName(OnnxTransfer.Onnx.Proto.ModelProto)"/>).</param>
    public static OnnxTransferException CannotLoad(string model, OnnxRuntimeException e) =>
        new($"ONNX Runtime cannot load {model}: {Reason(e)}; {Fix}.", e);

    public static OnnxTransferException CannotRun(string model, OnnxRuntimeException e) =>
        new($"ONNX Runtime cannot run {model}: {Reason(e)}; {Fix}.", e);

    /// <summary>The model a session runs, named as <see cref="ModelLayers.DisplayName(OnnxTransfer.Onnx.Proto.ModelProto)"/> names it.</summary>
    public static string NameOf(InferenceSession session)
    {
        var metadata = session.ModelMetadata;
        return ModelLayers.DisplayName(metadata.CustomMetadataMap.GetValueOrDefault(OnnxTransfer.Models.ModelInfo.ArchKey, ""), metadata.GraphName);
    }

    /// <summary>
    /// ORT's message as one line, without its "[ErrorCode:X] " prefix and final period, to embed in a sentence.
    /// Every line is kept: some first lines say nothing alone ("Got invalid dimensions for input: image for
    /// the following indices", with the index and sizes on the next).
    /// </summary>
    public static string Reason(OnnxRuntimeException e)
    {
        string line = string.Join(' ', e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (line.StartsWith("[ErrorCode:", StringComparison.Ordinal) && line.IndexOf("] ", StringComparison.Ordinal) is > 0 and var end)
            line = line[(end + 2)..];
        return line.TrimEnd('.');
    }
}
