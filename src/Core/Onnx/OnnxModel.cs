using OnnxTransfer.Models;
using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Onnx;

/// <summary>
/// An ONNX model in memory: what the model zoo and the importers give, the truncator cuts, the extractor runs and the
/// exporter writes. The protobuf types behind it are the implementation, internal like ML.NET's generated types;
/// what a caller needs of a model is here and in <see cref="Info"/>.
/// </summary>
public sealed class OnnxModel
{
    internal OnnxModel(ModelProto proto) => Proto = proto;

    internal ModelProto Proto { get; }

    /// <summary>Loads an .onnx file; tensors stored as external data are read from beside it.</summary>
    /// <exception cref="OnnxTransferException">The file is missing, unreadable or not a valid ONNX model.</exception>
    public static OnnxModel Load(string path) => new(OnnxModelFile.Load(path));

    /// <summary>Writes the model to <paramref name="path"/> atomically (a temporary file renamed into place).</summary>
    public void Save(string path) => OnnxModelFile.Save(Proto, path);

    /// <summary>What this tool recorded in the model's metadata: architecture, weights, preprocessing, layers, features, classes.</summary>
    public ModelInfo Info => ModelInfo.Read(Proto);

    /// <summary>The serialized model, as ONNX Runtime takes it.</summary>
    public byte[] ToBytes() => OnnxModelFile.ToBytes(Proto);
}
