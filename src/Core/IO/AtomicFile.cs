namespace OnnxTransfer.IO;

/// <summary>
/// Writes files so that no half-written file is ever visible under the final name: the
/// content goes to a temporary sibling, is flushed to disk, then renamed over the target
/// (rename is atomic within one directory on POSIX file systems).
/// </summary>
public static class AtomicFile
{
    /// <summary>Opens a temporary sibling of <paramref name="path"/>; <see cref="PendingFile.Commit"/> puts it in place.</summary>
    public static PendingFile Create(string path) => new(path);

    public static void Write(string path, Action<Stream> write)
    {
        using var file = Create(path);
        write(file.Stream);
        file.Commit();
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, leaveOpen: true); w.Write(text); });

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes));
}

/// <summary>A file being written under a temporary name; disposing it uncommitted deletes it.</summary>
public sealed class PendingFile : IDisposable
{
    private readonly string _target, _temp;
    private FileStream? _stream;

    internal PendingFile(string path)
    {
        _target = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(_target) ?? ".";
        Directory.CreateDirectory(dir);
        _temp = Path.Combine(dir, $".{Path.GetFileName(_target)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        _stream = new FileStream(_temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
    }

    /// <summary>Where to write the content.</summary>
    public Stream Stream => _stream ?? throw new ObjectDisposedException(nameof(PendingFile));

    /// <summary>Flushes the content to disk and renames it over the target.</summary>
    public void Commit()
    {
        var stream = _stream ?? throw new ObjectDisposedException(nameof(PendingFile));
        stream.Flush(flushToDisk: true);
        stream.Dispose();
        _stream = null;
        try { File.Move(_temp, _target, overwrite: true); }
        catch
        {
            File.Delete(_temp);
            throw;
        }
    }

    public void Dispose()
    {
        if (_stream is null) return;
        _stream.Dispose();
        _stream = null;
        File.Delete(_temp);
    }
}
