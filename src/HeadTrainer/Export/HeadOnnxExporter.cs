using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

using OnnxTransfer.HeadTrainer.Model;

namespace OnnxTransfer.HeadTrainer.Export;

/// <summary>
/// Writes a <see cref="DenseHead"/> as ONNX: input "features" float32 [N, D], Gemm / Relu /
/// BatchNormalization (inference form) / Softmax, output "probabilities" [N, K]. Dropout is the
/// identity at inference and is omitted. A binary sigmoid head outputs [1 - p, p] so every head
/// has the same [N, K] contract.
/// </summary>
internal static class HeadOnnxExporter
{
    public const string InputName = "features";
    public const string OutputName = "probabilities";

    public static ModelProto ToOnnx(DenseHead head, IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        var g = new GraphBuilder("head");
        string x = g.Input(InputName, DataType.Float, "N", (long)head.InputWidth);
        int i = 0;
        foreach (var layer in head.Layers)
        {
            switch (layer)
            {
                case DenseLayer d:
                    // The kernel is stored column-major (in x out), i.e. row-major [out, in]: Gemm with transB = 1.
                    string w = g.Initializer(d.Kernel.Name, d.Kernel.Value, d.OutputWidth, d.InputWidth);
                    string b = g.Initializer(d.Bias.Name, d.Bias.Value, d.OutputWidth);
                    x = g.Node("Gemm", [x, w, b], $"gemm_{i}", Attr.Int("transB", 1));
                    break;
                case ReluLayer:
                    x = g.Node("Relu", [x], $"relu_{i}");
                    break;
                case BatchNormLayer bn:
                    x = g.Node("BatchNormalization",
                        [x, g.Initializer(bn.Gamma.Name, bn.Gamma.Value, bn.InputWidth), g.Initializer(bn.Beta.Name, bn.Beta.Value, bn.InputWidth),
                         g.Initializer(bn.MovingMean.Name, bn.MovingMean.Value, bn.InputWidth),
                         g.Initializer(bn.MovingVariance.Name, bn.MovingVariance.Value, bn.InputWidth)],
                        $"batch_norm_{i}", Attr.Float("epsilon", bn.Epsilon));
                    break;
                case DropoutLayer:
                    break;
                default:
                    throw new NotSupportedException($"Layer {layer.GetType().Name} has no ONNX export.");
            }
            i++;
        }
        if (head.Loss == LossKind.Binary)
        {
            string p = g.Node("Sigmoid", [x], "positive");
            string one = g.Initializer("one", [1f], 1);
            string q = g.Node("Sub", [one, p], "negative");
            g.Node("Concat", [q, p], OutputName, Attr.Int("axis", 1));
        }
        else
        {
            g.Node("Softmax", [x], OutputName, Attr.Int("axis", 1));
        }
        g.Output(OutputName, DataType.Float, "N", (long)head.ClassCount);
        return g.ToModel(metadata);
    }
}
