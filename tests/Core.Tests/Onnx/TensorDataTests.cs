using System.Buffers.Binary;
using Google.Protobuf;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using Xunit;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Core.Tests.Onnx;

/// <summary>
/// TensorData decodes every type it supports from raw_data (little-endian bytes, written here with BinaryPrimitives)
/// and from the typed fields the ONNX spec names, to values worked out by hand.
/// </summary>
public class TensorDataTests
{
    private static TensorProto Tensor(DataType type, long[] dims, byte[]? raw = null)
    {
        var t = new TensorProto { Name = "t", DataType = (int)type };
        t.Dims.AddRange(dims);
        if (raw is not null) t.RawData = ByteString.CopyFrom(raw);
        return t;
    }

    private static byte[] Raw<T>(T[] values, int size, Action<Span<byte>, T> write)
    {
        var bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++) write(bytes.AsSpan(i * size, size), values[i]);
        return bytes;
    }

    private static void AssertBits(float[] expected, float[] actual) => Assert.Equal(Ort.Bits(expected), Ort.Bits(actual));

    [Theory]
    [InlineData(new long[0], 1L)] // a scalar
    [InlineData(new long[] { 2, 3, 4 }, 24L)]
    [InlineData(new long[] { 0, 5 }, 0L)]
    [InlineData(new long[] { 1 << 20, 1 << 20 }, 1L << 40)] // beyond int
    public void Element_count_is_the_product_of_the_dims(long[] dims, long expected) =>
        Assert.Equal(expected, TensorData.ElementCount(Tensor(DataType.Float, dims)));

    [Fact]
    public void Float_decodes_from_raw_data_and_from_float_data()
    {
        float[] values = [1.5f, -0f, float.NaN, 3e38f, float.Epsilon, -7.25f];
        AssertBits(values, TensorData.ToFloats(Tensor(DataType.Float, [2, 3], Raw(values, 4, BinaryPrimitives.WriteSingleLittleEndian))));
        var typed = Tensor(DataType.Float, [6]);
        typed.FloatData.AddRange(values);
        AssertBits(values, TensorData.ToFloats(typed));
    }

    // Half bit patterns and their values: 1, -2, 1/3 rounded (1365/4096), the largest (65504), the smallest subnormal (2^-24),
    // the smallest normal (2^-14), -0, +inf, -inf, the quiet NaN 0x7E00 (float 0x7FC00000: .NET's float.NaN has the sign bit set).
    private static readonly ushort[] HalfBits = [0x3C00, 0xC000, 0x3555, 0x7BFF, 0x0001, 0x0400, 0x8000, 0x7C00, 0xFC00, 0x7E00];
    private static readonly float[] HalfValues =
        [1f, -2f, 0.333251953125f, 65504f, 5.9604644775390625e-8f, 6.103515625e-5f, -0f, float.PositiveInfinity, float.NegativeInfinity, BitConverter.Int32BitsToSingle(0x7FC00000)];

    [Fact]
    public void Float16_decodes_from_raw_data_and_from_int32_data_bit_patterns()
    {
        AssertBits(HalfValues, TensorData.ToFloats(Tensor(DataType.Float16, [10], Raw(HalfBits, 2, BinaryPrimitives.WriteUInt16LittleEndian))));
        var typed = Tensor(DataType.Float16, [2, 5]);
        typed.Int32Data.AddRange(HalfBits.Select(b => (int)b)); // the spec stores each half's 16 bits in an int32
        AssertBits(HalfValues, TensorData.ToFloats(typed));
    }

    [Fact]
    public void Double_decodes_from_raw_data_and_from_double_data_rounded_to_float()
    {
        double[] values = [0.5, -3.25, 1e10, Math.Pow(2, -149), 1e300, 16777217.0];
        // 2^-149 is float.Epsilon, 1e300 overflows to infinity, 2^24 + 1 rounds to even (2^24).
        float[] expected = [0.5f, -3.25f, 1e10f, float.Epsilon, float.PositiveInfinity, 16777216f];
        AssertBits(expected, TensorData.ToFloats(Tensor(DataType.Double, [6], Raw(values, 8, BinaryPrimitives.WriteDoubleLittleEndian))));
        var typed = Tensor(DataType.Double, [3, 2]);
        typed.DoubleData.AddRange(values);
        AssertBits(expected, TensorData.ToFloats(typed));
    }

    [Fact]
    public void Int64_and_int32_decode_from_raw_data_and_their_typed_fields_as_floats()
    {
        long[] longs = [-5, 0, 1L << 40, long.MaxValue, 16777217];
        float[] fromLongs = [-5f, 0f, 1099511627776f, 9223372036854775808f, 16777216f]; // long.MaxValue rounds up to 2^63
        AssertBits(fromLongs, TensorData.ToFloats(Tensor(DataType.Int64, [5], Raw(longs, 8, BinaryPrimitives.WriteInt64LittleEndian))));
        var typed64 = Tensor(DataType.Int64, [5]);
        typed64.Int64Data.AddRange(longs);
        AssertBits(fromLongs, TensorData.ToFloats(typed64));

        int[] ints = [int.MinValue, -1, 0, 7, int.MaxValue];
        float[] fromInts = [-2147483648f, -1f, 0f, 7f, 2147483648f];
        AssertBits(fromInts, TensorData.ToFloats(Tensor(DataType.Int32, [5], Raw(ints, 4, BinaryPrimitives.WriteInt32LittleEndian))));
        var typed32 = Tensor(DataType.Int32, [5]);
        typed32.Int32Data.AddRange(ints);
        AssertBits(fromInts, TensorData.ToFloats(typed32));
    }

    [Fact]
    public void A_scalar_decodes_to_one_value()
    {
        AssertBits([2.5f], TensorData.ToFloats(Tensor(DataType.Float, [], Raw([2.5f], 4, BinaryPrimitives.WriteSingleLittleEndian))));
        Assert.Equal([-9L], TensorData.ToInt64s(Tensor(DataType.Int64, [], Raw([-9L], 8, BinaryPrimitives.WriteInt64LittleEndian))));
    }

    [Fact]
    public void ToInt64s_reads_raw_data_and_int64_data_exactly_and_refuses_other_types()
    {
        long[] values = [long.MinValue, -1, 0, 1L << 53 | 1, long.MaxValue]; // beyond what a float or double keeps
        Assert.Equal(values, TensorData.ToInt64s(Tensor(DataType.Int64, [5], Raw(values, 8, BinaryPrimitives.WriteInt64LittleEndian))));
        var typed = Tensor(DataType.Int64, [5]);
        typed.Int64Data.AddRange(values);
        Assert.Equal(values, TensorData.ToInt64s(typed));
        var e = Assert.Throws<NotSupportedException>(() => TensorData.ToInt64s(Tensor(DataType.Int32, [1], [1, 0, 0, 0])));
        Assert.Contains("'t' is Int32, not INT64", e.Message);
    }

    [Theory]
    [InlineData((int)DataType.Uint8)]
    [InlineData((int)DataType.Int8)]
    [InlineData((int)DataType.Bool)]
    [InlineData((int)DataType.String)]
    [InlineData((int)DataType.Bfloat16)]
    public void Types_it_cannot_read_as_float_are_refused_by_name(int code)
    {
        var type = (DataType)code; // an int in the signature: the generated protobuf types are internal
        var e = Assert.Throws<NotSupportedException>(() => TensorData.ToFloats(Tensor(type, [2], [1, 2, 3, 4])));
        Assert.Contains($"Tensor 't' has data type {type}", e.Message);
    }

    /// <summary>Tensors whose payload does not match their shape, by description (the generated types are internal, so the theory takes the key).</summary>
    private static readonly Dictionary<string, Func<TensorProto>> WrongSized = new()
    {
        ["raw float, 3 of 4"] = () => Tensor(DataType.Float, [4], Raw([1f, 2f, 3f], 4, BinaryPrimitives.WriteSingleLittleEndian)),
        ["raw float, 3 of 2"] = () => Tensor(DataType.Float, [2], Raw([1f, 2f, 3f], 4, BinaryPrimitives.WriteSingleLittleEndian)),
        ["raw float16, 3 bytes for 2"] = () => Tensor(DataType.Float16, [2], [0, 0x3C, 0]),
        ["raw int64, 1 of 2"] = () => Tensor(DataType.Int64, [2], new byte[8]),
        ["no payload at all (external data not inlined)"] = () => Tensor(DataType.Float, [4]),
        ["float_data, 3 of 4"] = () =>
        {
            var typed = Tensor(DataType.Float, [4]);
            typed.FloatData.AddRange([1f, 2f, 3f]);
            return typed;
        },
        ["double_data, 1 of 2"] = () =>
        {
            var doubles = Tensor(DataType.Double, [2]);
            doubles.DoubleData.Add(1.0);
            return doubles;
        },
    };

    public static TheoryData<string> WrongSizes() => [.. WrongSized.Keys];

    [Theory]
    [MemberData(nameof(WrongSizes))]
    public void A_payload_that_does_not_hold_one_value_per_element_is_refused(string what)
    {
        var tensor = WrongSized[what]();
        // Zero-filling a short payload would hand out weights nobody wrote.
        var e = Assert.Throws<InvalidDataException>(() => TensorData.ToFloats(tensor));
        Assert.True(e.Message.Contains("Tensor 't'", StringComparison.Ordinal), what + ": " + e.Message);
        if (tensor.DataType == (int)DataType.Int64) Assert.Throws<InvalidDataException>(() => TensorData.ToInt64s(tensor));
    }

    [Fact]
    public void FromFloats_and_FromInt64s_round_trip_random_values_bit_for_bit()
    {
        var rng = new Random(7);
        var floats = Enumerable.Range(0, 1000).Select(_ => BitConverter.Int32BitsToSingle(rng.Next(int.MinValue, int.MaxValue))).ToArray();
        var longs = Enumerable.Range(0, 1000).Select(_ => rng.NextInt64(long.MinValue, long.MaxValue)).ToArray();
        var ft = TensorData.FromFloats("f", floats, 10, 100);
        Assert.Equal(("f", (int)DataType.Float), (ft.Name, ft.DataType));
        Assert.Equal([10L, 100L], ft.Dims);
        AssertBits(floats, TensorData.ToFloats(ft));
        var lt = TensorData.FromInt64s("l", longs, 1000);
        Assert.Equal(("l", (int)DataType.Int64), (lt.Name, lt.DataType));
        Assert.Equal([1000L], lt.Dims);
        Assert.Equal(longs, TensorData.ToInt64s(lt));
    }
}
