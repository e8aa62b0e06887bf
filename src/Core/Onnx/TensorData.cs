using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using OnnxTransfer.Onnx.Proto;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Onnx;

/// <summary>Conversions between ONNX TensorProto payloads and .NET arrays.</summary>
internal static class TensorData
{
    public static long ElementCount(TensorProto t)
    {
        long n = 1;
        foreach (long d in t.Dims) n *= d;
        return n;
    }

    public static TensorProto FromFloats(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)DataType.Float };
        t.Dims.AddRange(dims);
        byte[] raw = new byte[values.Length * sizeof(float)];
        // Little-endian per the ONNX spec; MemoryMarshal is exact on the little-endian hosts .NET runs here.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Big-endian hosts are not supported.");
        MemoryMarshal.AsBytes(values).CopyTo(raw);
        // Wrapped, not copied again: raw is this tensor's alone, and a 25,088 x 1,024 kernel is 103 MB a copy.
        t.RawData = UnsafeByteOperations.UnsafeWrap(raw);
        return t;
    }

    public static TensorProto FromInt64s(string name, ReadOnlySpan<long> values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)DataType.Int64 };
        t.Dims.AddRange(dims);
        byte[] raw = new byte[values.Length * sizeof(long)];
        MemoryMarshal.AsBytes(values).CopyTo(raw);
        t.RawData = ByteString.CopyFrom(raw);
        return t;
    }

    /// <summary>Reads a float, float16, double or integer tensor as float32 values.</summary>
    public static float[] ToFloats(TensorProto t)
    {
        long n = ElementCount(t);
        var result = new float[n];
        var type = (DataType)t.DataType;
        ReadOnlySpan<byte> raw = t.HasRawData ? t.RawData.Span : default;
        switch (type)
        {
            case DataType.Float:
                CheckSize(t, n, 4, t.FloatData.Count);
                if (t.HasRawData) MemoryMarshal.Cast<byte, float>(raw).CopyTo(result);
                else t.FloatData.CopyTo(result, 0);
                break;
            case DataType.Float16:
                CheckSize(t, n, 2, t.Int32Data.Count);
                for (int i = 0; i < n; i++)
                {
                    ushort bits = t.HasRawData
                        ? BinaryPrimitives.ReadUInt16LittleEndian(raw.Slice(i * 2, 2))
                        : (ushort)t.Int32Data[i]; // the spec stores fp16 bit patterns in int32_data
                    result[i] = (float)BitConverter.UInt16BitsToHalf(bits);
                }
                break;
            case DataType.Double:
                CheckSize(t, n, 8, t.DoubleData.Count);
                for (int i = 0; i < n; i++)
                    result[i] = (float)(t.HasRawData ? BinaryPrimitives.ReadDoubleLittleEndian(raw.Slice(i * 8, 8)) : t.DoubleData[i]);
                break;
            case DataType.Int64:
                CheckSize(t, n, 8, t.Int64Data.Count);
                for (int i = 0; i < n; i++)
                    result[i] = t.HasRawData ? BinaryPrimitives.ReadInt64LittleEndian(raw.Slice(i * 8, 8)) : t.Int64Data[i];
                break;
            case DataType.Int32:
                CheckSize(t, n, 4, t.Int32Data.Count);
                for (int i = 0; i < n; i++)
                    result[i] = t.HasRawData ? BinaryPrimitives.ReadInt32LittleEndian(raw.Slice(i * 4, 4)) : t.Int32Data[i];
                break;
            default:
                throw new NotSupportedException($"Tensor '{t.Name}' has data type {type}, which cannot be read as float.");
        }
        return result;
    }

    public static long[] ToInt64s(TensorProto t)
    {
        long n = ElementCount(t);
        var result = new long[n];
        if ((DataType)t.DataType != DataType.Int64)
            throw new NotSupportedException($"Tensor '{t.Name}' is {(DataType)t.DataType}, not INT64.");
        CheckSize(t, n, 8, t.Int64Data.Count);
        if (t.HasRawData) MemoryMarshal.Cast<byte, long>(t.RawData.Span).CopyTo(result);
        else t.Int64Data.CopyTo(result, 0);
        return result;
    }

    /// <summary>
    /// Refuses a payload that does not hold exactly one value per element: a short one would otherwise be
    /// zero-filled (weights nobody wrote), or fail deep in a copy with no tensor named.
    /// </summary>
    private static void CheckSize(TensorProto t, long n, int elementSize, int typedCount)
    {
        if (t.HasRawData ? t.RawData.Length == n * elementSize : typedCount == n) return;
        string dims = string.Join(", ", t.Dims);
        throw new InvalidDataException(t.HasRawData
            ? $"Tensor '{t.Name}' has {t.RawData.Length} bytes of raw_data for {n} elements of {elementSize} bytes (dims [{dims}]); the model is damaged."
            : $"Tensor '{t.Name}' has {typedCount} values for {n} elements (dims [{dims}]); the model is damaged or its external data was not read.");
    }
}
