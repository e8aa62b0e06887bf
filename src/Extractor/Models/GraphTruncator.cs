using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Extractor.Models;

/// <summary>Global pooling applied to a feature output inside the graph.</summary>
public enum PoolMode { None, Avg, Max }

/// <summary>Cuts a model at named layers, keeping only what those outputs need.</summary>
public static class GraphTruncator
{
    // CONTRACT PLACEHOLDER: replaced by the graph-tools work before anything lands.
    // Returns a new model whose outputs are the named layers (Keras NHWC layout, [N,H,W,C], or [N,C] when pooled),
    // with ModelInfo.Features filled in graph output order.
    public static ModelProto Truncate(ModelProto model, IReadOnlyList<string> layers, PoolMode pool) =>
        throw new NotImplementedException();
}
