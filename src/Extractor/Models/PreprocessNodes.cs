using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Extractor.Models;

/// <summary>
/// Builds the in-graph preprocessing from RGB 0-255 NHWC pixels to what a model expects. Each mode
/// is written as the plain per-channel arithmetic its definition gives (no folded constants), so
/// the graph computes exactly what the textbook formula does in float32.
/// </summary>
internal static class PreprocessNodes
{
    private static readonly float[] CaffeMeanBgr = [103.939f, 116.779f, 123.68f];
    private static readonly float[] TorchMean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] TorchStd = [0.229f, 0.224f, 0.225f];

    /// <summary>Adds nodes computing <paramref name="target"/> from the NHWC float image <paramref name="image"/>.</summary>
    public static void Add(GraphBuilder b, string image, string target, ImagePreprocess mode, bool channelsFirst, DataType modelType)
    {
        var steps = new List<(string Op, string[] Constants, AttributeProto[] Attrs)>();
        void Arith(string op, string stem, params float[] perChannel) =>
            steps.Add((op, [b.Initializer(b.Unique($"preprocess/{stem}"), perChannel, perChannel.Length)], []));
        void SwapRgbToBgr() =>
            steps.Add(("Gather", [b.InitializerInt64(b.Unique("preprocess/bgr_order"), [2, 1, 0], 3)], [Attr.Int("axis", 3)]));

        switch (mode)
        {
            case ImagePreprocess.Caffe:
                SwapRgbToBgr();
                Arith("Sub", "caffe_mean_bgr", CaffeMeanBgr);
                break;
            case ImagePreprocess.Tf:
                Arith("Div", "tf_scale", 127.5f, 127.5f, 127.5f);
                Arith("Sub", "tf_offset", 1f, 1f, 1f);
                break;
            case ImagePreprocess.Torch:
                Arith("Div", "torch_scale", 255f, 255f, 255f);
                Arith("Sub", "torch_mean", TorchMean);
                Arith("Div", "torch_std", TorchStd);
                break;
            case ImagePreprocess.Bgr255:
                SwapRgbToBgr();
                break;
            case ImagePreprocess.None:
                break;
        }
        if (channelsFirst) steps.Add(("Transpose", [], [Attr.Ints("perm", 0, 3, 1, 2)]));
        if (modelType == DataType.Float16) steps.Add(("Cast", [], [Attr.Int("to", (long)DataType.Float16)]));
        if (steps.Count == 0) steps.Add(("Identity", [], []));

        string current = image;
        for (int i = 0; i < steps.Count; i++)
        {
            var (op, constants, attrs) = steps[i];
            string output = i == steps.Count - 1 ? target : b.Unique($"preprocess/{op.ToLowerInvariant()}");
            current = b.Node(op, [current, .. constants], output, attrs);
        }
    }
}
