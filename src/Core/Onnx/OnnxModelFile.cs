using Google.Protobuf;
using OnnxTransfer.IO;
using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Onnx;

/// <summary>Loads and saves ONNX models through the protobuf schema in onnx.proto.</summary>
internal static class OnnxModelFile
{
    // Protobuf's limit for one message. The parser default (100 MB) is far too small for VGG19's 80 MB
    // of weights plus headroom, so lift it; external data is inlined on load, so it counts too.
    private const int MaxModelBytes = int.MaxValue;

    /// <summary>Loads a model file, with any tensors it keeps as external data read from beside it
    /// (see <see cref="ExternalData"/>), so the model in memory is self-contained.</summary>
    public static ModelProto Load(string path)
    {
        if (!File.Exists(path))
            throw new OnnxTransferException($"ONNX model '{path}' does not exist.");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxTransferException($"Cannot read ONNX model '{path}': {e.Message}", e);
        }
        var model = Parse(bytes, path);
        ExternalData.Inline(model, path, MaxModelBytes);
        return model;
    }

    public static ModelProto Parse(byte[] bytes, string sourceName)
    {
        ModelProto model;
        try
        {
            var input = CodedInputStream.CreateWithLimits(new MemoryStream(bytes, writable: false), MaxModelBytes, 1000);
            model = ModelProto.Parser.ParseFrom(input);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxTransferException(
                $"'{sourceName}' is not a valid ONNX model ({e.Message.TrimEnd('.')}); re-export or re-download it.", e);
        }
        if (model.Graph is null || (model.Graph.Node.Count == 0 && model.Graph.Output.Count == 0))
            throw new OnnxTransferException($"'{sourceName}' is not a valid ONNX model: it has no graph; re-export or re-download it.");
        return model;
    }

    public static void Save(ModelProto model, string path) =>
        AtomicFile.Write(path, s => model.WriteTo(s));

    public static byte[] ToBytes(ModelProto model) => model.ToByteArray();
}
