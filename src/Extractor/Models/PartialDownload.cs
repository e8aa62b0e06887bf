using System.Security.Cryptography;

namespace OnnxTransfer.Extractor.Models;

/// <summary>
/// The md5 of a &lt;file&gt;.part as it grows, so the download is never read back to be checked. The hash
/// always covers exactly the bytes on disk: <see cref="CatchUp"/> rehashes the file whenever its length
/// differs from what was hashed (a .part left by an earlier run, or a write that failed midway).
/// </summary>
internal sealed class PartialDownload(string path) : IDisposable
{
    private IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);

    public string Path { get; } = path;

    /// <summary>Bytes hashed, which after <see cref="CatchUp"/> is the .part's length.</summary>
    public long Length { get; private set; }

    public void CatchUp()
    {
        long length = File.Exists(Path) ? new FileInfo(Path).Length : 0;
        if (length == Length) return;
        Reset();
        if (length == 0) return;
        using var existing = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = existing.Read(buffer)) > 0) Append(buffer.AsSpan(0, read));
    }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        _md5.AppendData(bytes);
        Length += bytes.Length;
    }

    /// <summary>Starts the hash over, for a .part that is deleted or rewritten from its first byte.</summary>
    public void Reset()
    {
        _md5.Dispose();
        _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        Length = 0;
    }

    public void Delete()
    {
        File.Delete(Path);
        Reset();
    }

    public string Md5() => Convert.ToHexStringLower(_md5.GetCurrentHash());

    public void Dispose() => _md5.Dispose();
}
