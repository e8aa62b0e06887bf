using System.Security.Cryptography;

namespace OnnxTransfer.IO;

/// <summary>Content hashes used to tie features, heads and backbones together.</summary>
internal static class Hashing
{
    public static string Sha256File(string path)
    {
        using var fs = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(fs));
    }

    public static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    // MD5 only because Keras publishes MD5 sums of its weight files; it is compared, never trusted for security.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "Keras publishes MD5 sums of its weight files.")]
    public static string Md5File(string path)
    {
        using var fs = File.OpenRead(path);
        return Convert.ToHexStringLower(MD5.HashData(fs));
    }
}
