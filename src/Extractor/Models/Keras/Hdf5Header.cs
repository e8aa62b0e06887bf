using System.Buffers.Binary;

namespace OnnxTransfer.Extractor.Models.Keras;

/// <summary>
/// Reads the HDF5 superblock far enough to find the file's signature and the end-of-file address its
/// writer recorded. A file shorter than that address is truncated, which libhdf5 itself refuses to open;
/// PureHDF does not check, and depending on the cut fails deep inside a read or not at all (a file cut
/// in its last 100 KB imported without complaint, with the md5 of the truncated bytes).
/// </summary>
internal static class Hdf5Header
{
    private static readonly byte[] Signature = [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0d, 0x0a, 0x1a, 0x0a];

    /// <summary>Where the superblock starts: at 0 or, after a user block, at 512, 1024, 2048, ... bytes; null without a signature.</summary>
    public static long? FindSignature(Stream file)
    {
        var buf = new byte[8];
        for (long offset = 0; offset + 8 <= file.Length; offset = offset == 0 ? 512 : offset * 2)
        {
            file.Position = offset;
            file.ReadExactly(buf);
            if (buf.AsSpan().SequenceEqual(Signature)) return offset;
        }
        return null;
    }

    /// <summary>
    /// How the file falls short of the end-of-file address in the superblock at <paramref name="superblock"/>,
    /// or null when it does not (or the writer left the address undefined, or the version is unknown).
    /// </summary>
    public static string? Truncation(Stream file, long superblock)
    {
        // Versions 0 and 1 keep the size of offsets at byte 13 and the base, free-space and end-of-file
        // addresses from byte 24 (28 in version 1); versions 2 and 3 at byte 9 and from byte 12.
        const string insideSuperblock = "it ends inside its HDF5 superblock";
        var head = new byte[14];
        file.Position = superblock;
        if (file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length) return insideSuperblock;
        (int sizeAt, int addressesAt) = head[8] switch { 0 => (13, 24), 1 => (13, 28), 2 or 3 => (9, 12), _ => (-1, -1) };
        if (sizeAt < 0) return null;
        int size = head[sizeAt];
        if (size is not (2 or 4 or 8)) return null;
        var address = new byte[8];
        file.Position = superblock + addressesAt + 2 * size;
        if (file.ReadAtLeast(address.AsMemory(0, size).Span, size, throwOnEndOfStream: false) < size) return insideSuperblock;
        ulong eof = BinaryPrimitives.ReadUInt64LittleEndian(address);
        bool undefined = eof == (size == 8 ? ulong.MaxValue : (1UL << (8 * size)) - 1);
        if (undefined || eof <= (ulong)file.Length) return null;
        return $"it has {file.Length} of the {eof} bytes its HDF5 superblock records";
    }
}
