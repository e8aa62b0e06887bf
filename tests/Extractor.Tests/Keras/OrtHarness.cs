using Xunit;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Extractor.Tests.Keras;

/// <summary>Runs an imported model on ONNX Runtime CPU with chosen layer tensors added as graph outputs,
/// and compares them with reference NHWC tensors.</summary>
internal static class OrtHarness
{
    public static Dictionary<string, (float[] Data, long[] Shape)> Run(ModelProto model, Nhwc image, IEnumerable<string> tensors)
    {
        var m = model.Clone();
        var existing = m.Graph.Output.Select(o => o.Name).ToHashSet();
        foreach (var t in tensors.Where(t => !existing.Contains(t)))
            m.Graph.Output.Add(new ValueInfoProto
            {
                Name = t,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        using var options = new SessionOptions { IntraOpNumThreads = 2 };
        using var session = new InferenceSession(m.ToByteArray(), options);
        var input = image.D.Select(v => (float)v).ToArray();
        using var value = OrtValue.CreateTensorValueFromMemory(input, [image.N, image.H, image.W, image.C]);
        var names = m.Graph.Output.Select(o => o.Name).ToArray();
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["image"], [value], names);
        var outputs = new Dictionary<string, (float[], long[])>();
        for (int i = 0; i < names.Length; i++)
            outputs[names[i]] = (results[i].GetTensorDataAsSpan<float>().ToArray(), results[i].GetTensorTypeAndShape().Shape);
        return outputs;
    }

    /// <summary>
    /// Relative error of an ONNX layer output against the reference: max|a - b| / max|b| over the
    /// tensor, after transposing 4-D NCHW to NHWC. Shapes must agree (a 2-D [N, C] matches (N, 1, 1, C)).
    /// </summary>
    public static double RelativeError((float[] Data, long[] Shape) onnx, Nhwc reference, string layer)
    {
        var s = onnx.Shape;
        float[] nhwc;
        if (s.Length == 4)
        {
            Assert.True(s[0] == reference.N && s[1] == reference.C && s[2] == reference.H && s[3] == reference.W,
                $"{layer}: ONNX shape [{string.Join(",", s)}] vs reference NHWC ({reference.N},{reference.H},{reference.W},{reference.C})");
            nhwc = new float[onnx.Data.Length];
            int c = (int)s[1], h = (int)s[2], w = (int)s[3];
            for (int b = 0; b < s[0]; b++)
                for (int ch = 0; ch < c; ch++)
                    for (int y = 0; y < h; y++)
                        for (int x = 0; x < w; x++)
                            nhwc[((b * h + y) * w + x) * c + ch] = onnx.Data[((b * c + ch) * h + y) * w + x];
        }
        else
        {
            Assert.True(s.Length == 2 && s[0] == reference.N && s[1] == reference.C && reference.H == 1 && reference.W == 1,
                $"{layer}: ONNX shape [{string.Join(",", s)}] vs reference ({reference.N},{reference.H},{reference.W},{reference.C})");
            nhwc = onnx.Data;
        }
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < nhwc.Length; i++)
        {
            Assert.False(float.IsNaN(nhwc[i]) || float.IsInfinity(nhwc[i]), $"{layer}: non-finite output");
            maxDiff = Math.Max(maxDiff, Math.Abs(nhwc[i] - reference.D[i]));
            maxRef = Math.Max(maxRef, Math.Abs(reference.D[i]));
        }
        return maxRef == 0 ? maxDiff : maxDiff / maxRef;
    }

    public static Nhwc RandomImage(int n, int h, int w, int seed)
    {
        var rng = new Random(seed);
        var x = new Nhwc(n, h, w, 3);
        for (int i = 0; i < x.D.Length; i++) x.D[i] = Math.Round(rng.NextDouble() * 255, 3);
        return x;
    }
}
