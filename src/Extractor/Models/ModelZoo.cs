using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Extractor.Models;

/// <summary>Built-in architectures, the local model cache, and name-or-file resolution.</summary>
public static class ModelZoo
{
    // CONTRACT PLACEHOLDER: replaced by the graph-tools work before anything lands.
    // Accepts a path to an .onnx file, or a built-in name (vgg19, efficientnetb0, mobilenet) that is cached;
    // otherwise throws OnnxTransferException naming the fetch/import command to run.
    public static ModelProto Load(string nameOrPath) => throw new NotImplementedException();
}
