using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using OnnxTransfer.Features;

namespace OnnxTransfer.Bench.Peers;

/// <summary>
/// NumPy .npy files (format version 1.0), so a Python peer with numpy alone (no pyarrow) reads the exact arrays a
/// benchmark used: magic, header length, a Python-dict header padded to a 64-byte boundary, then the data in C order.
/// </summary>
public static class NpyWriter
{
    /// <summary>Writes the rows of <paramref name="set"/> as float32 [rows, width], one row at a time (no second copy of the set).</summary>
    public static void WriteFeatures(string path, FeatureSet set)
    {
        using var stream = File.Create(path);
        WriteHeader(stream, "f4", $"({set.Rows}, {set.Width})");
        for (int r = 0; r < set.Rows; r++) stream.Write(MemoryMarshal.AsBytes(set.Row(r)));
    }

    /// <summary>Writes <paramref name="values"/> as int64 [n], the dtype PyTorch's losses want for class indices.</summary>
    public static void WriteInt64(string path, IEnumerable<int> values)
    {
        long[] wide = values.Select(v => (long)v).ToArray();
        using var stream = File.Create(path);
        WriteHeader(stream, "i8", $"({wide.Length},)");
        stream.Write(MemoryMarshal.AsBytes(wide.AsSpan()));
    }

    private static void WriteHeader(Stream stream, string type, string shape)
    {
        // The data is the machine's memory as is, so the header names the machine's byte order.
        char order = BitConverter.IsLittleEndian ? '<' : '>';
        string dict = $"{{'descr': '{order}{type}', 'fortran_order': False, 'shape': {shape}, }}";
        const int Prefix = 10; // magic (6) + version (2) + header length (2)
        int length = (Prefix + dict.Length + 1 + 63) / 64 * 64 - Prefix; // the header ends in '\n' and the data starts aligned
        Span<byte> prefix = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 0, 0];
        BinaryPrimitives.WriteUInt16LittleEndian(prefix[8..], (ushort)length);
        stream.Write(prefix);
        stream.Write(Encoding.ASCII.GetBytes(dict.PadRight(length - 1) + "\n"));
    }
}
