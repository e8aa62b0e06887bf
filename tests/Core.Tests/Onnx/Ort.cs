using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Core.Tests.Onnx;

/// <summary>Runs a model on ONNX Runtime CPU: the independent check that what Core builds is valid ONNX.</summary>
internal static class Ort
{
    public static InferenceSession Load(ModelProto model)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        return new InferenceSession(model.ToByteArray(), options);
    }

    /// <summary>Feeds float inputs by name and returns every graph output as (data, shape).</summary>
    public static Dictionary<string, (float[] Data, long[] Shape)> Run(ModelProto model, params (string Name, float[] Data, long[] Shape)[] inputs)
    {
        using var session = Load(model);
        var values = inputs.Select(i => OrtValue.CreateTensorValueFromMemory(i.Data, i.Shape)).ToList();
        try
        {
            string[] names = model.Graph.Output.Select(o => o.Name).ToArray();
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, inputs.Select(i => i.Name).ToArray(), values, names);
            var outputs = new Dictionary<string, (float[], long[])>();
            for (int k = 0; k < names.Length; k++)
                outputs[names[k]] = (results[k].GetTensorDataAsSpan<float>().ToArray(), results[k].GetTensorTypeAndShape().Shape);
            return outputs;
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>Bit patterns, so that equality means bit for bit (NaN and -0 included).</summary>
    public static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
