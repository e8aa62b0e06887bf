using Google.Protobuf;
using OnnxTransfer.Onnx.Proto;
using AttrType = OnnxTransfer.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace OnnxTransfer.Onnx;

/// <summary>Short constructors for node attributes.</summary>
internal static class Attr
{
    public static AttributeProto Int(string name, long v) => new() { Name = name, Type = AttrType.Int, I = v };

    public static AttributeProto Float(string name, float v) => new() { Name = name, Type = AttrType.Float, F = v };

    public static AttributeProto String(string name, string v) =>
        new() { Name = name, Type = AttrType.String, S = ByteString.CopyFromUtf8(v) };

    public static AttributeProto Ints(string name, params long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttrType.Ints };
        a.Ints.AddRange(v);
        return a;
    }

    public static AttributeProto Floats(string name, params float[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttrType.Floats };
        a.Floats.AddRange(v);
        return a;
    }

    public static AttributeProto Tensor(string name, TensorProto t) => new() { Name = name, Type = AttrType.Tensor, T = t };
}
