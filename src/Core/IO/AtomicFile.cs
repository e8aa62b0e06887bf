using System.Security.Cryptography;

namespace OnnxTransfer.IO;

/// <summary>The size and SHA-256 (lowercase hex) of a file as it was committed.</summary>
internal sealed record CommittedFile(string Path, long Bytes, string Sha256);

/// <summary>
/// Writes files so that no half-written file is ever visible under the final name: the
/// content goes to a temporary sibling, is flushed to disk, then renamed over the target
/// (rename is atomic within one directory on POSIX file systems). A failed write (disk full, I/O
/// error) deletes the temporary file and says which file, what failed and how much space is left.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Opens a temporary sibling of <paramref name="path"/>; <see cref="PendingFile.Commit"/> puts it in place.
    /// With <paramref name="hash"/>, the content is hashed as it is written (write-only, sequential) and
    /// Commit reports its SHA-256.
    /// </summary>
    internal static PendingFile Create(string path, bool hash = false) => new(path, hash);

    /// <exception cref="OnnxTransferException">The write failed (disk full, I/O error); nothing is left under either name.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        using var file = Create(path);
        try { write(file.Stream); }
        catch (Exception e) when (IsWriteFailure(e)) { throw WriteFailed(path, e); }
        file.Commit();
    }

    /// <summary>
    /// Puts <paramref name="source"/>'s content under <paramref name="target"/>, never half there: as a second name of the
    /// same file (a hard link: no copy, no space) where the file system allows (<see cref="Posix.TryLink"/>), else as a
    /// copy flushed to disk. <paramref name="check"/> sees it under a temporary name first; if it throws, the target is
    /// left as it was.
    /// </summary>
    /// <exception cref="OnnxTransferException">The copy failed (disk full, I/O error); nothing is left under either name.</exception>
    internal static void LinkOrCopy(string source, string target, Action<string> check)
    {
        string full = System.IO.Path.GetFullPath(target);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full) ?? ".");
        string temp = PendingFile.TempName(full);
        try
        {
            if (!Posix.TryLink(source, temp))
            {
                using var to = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                using (var from = File.OpenRead(source)) from.CopyTo(to);
                to.Flush(flushToDisk: true);
            }
            check(temp);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (IsWriteFailure(e)) { throw WriteFailed(target, e); }
        finally { File.Delete(temp); }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, leaveOpen: true); w.Write(text); });

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes));

    /// <summary>
    /// Writes <paramref name="text"/> to <paramref name="path"/> unless the file exists: of processes racing to create it
    /// (shard tasks on a shared file system), exactly one wins, whole. Returns false when it existed (left as it was).
    /// </summary>
    /// <exception cref="OnnxTransferException">The write failed (disk full, I/O error).</exception>
    internal static bool TryCreateNew(string path, string text)
    {
        using var file = Create(path);
        try
        {
            using (var w = new StreamWriter(file.Stream, leaveOpen: true)) w.Write(text);
            return file.CommitNew();
        }
        catch (Exception e) when (IsWriteFailure(e)) { throw WriteFailed(path, e); }
    }

    /// <summary>
    /// True for what a failed write throws: an IOException (disk full, I/O error), or the ArgumentOutOfRangeException
    /// .NET turns EFBIG into (a file size limit, or a file system's largest file).
    /// </summary>
    internal static bool IsWriteFailure(Exception e) => e is IOException or ArgumentOutOfRangeException { ParamName: "value" };

    /// <summary>
    /// The one-line error for a failed write of <paramref name="path"/>: the file, the system's reason and the free
    /// space where it was being written, and that what was committed before is kept.
    /// </summary>
    internal static OnnxTransferException WriteFailed(string path, Exception e)
    {
        string dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? ".";
        string free;
        try { free = $"{new DriveInfo(dir).AvailableFreeSpace / 1e6:N0} MB free there"; }
        catch (Exception probe) when (probe is IOException or ArgumentException or UnauthorizedAccessException) { free = "free space unknown"; }
        string reason = e is IOException ? e.Message.TrimEnd('.') : "File too large (a file size limit or the file system refuses it)";
        return new OnnxTransferException(
            $"Cannot write '{path}': {reason} ({free}); free some space or fix the disk, then rerun the same command: finished work is kept.", e);
    }
}

/// <summary>A file being written under a temporary name; disposing it uncommitted deletes it.</summary>
internal sealed class PendingFile : IDisposable
{
    private readonly string _target, _temp;
    private FileStream? _file;
    private readonly HashingStream? _hashing;

    internal PendingFile(string path, bool hash)
    {
        _target = System.IO.Path.GetFullPath(path);
        string dir = System.IO.Path.GetDirectoryName(_target) ?? ".";
        Directory.CreateDirectory(dir);
        _temp = TempName(_target);
        try { _file = new FileStream(_temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16); }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException) { throw AtomicFile.WriteFailed(path, e); }
        if (hash) _hashing = new HashingStream(_file);
    }

    /// <summary>A name beside <paramref name="target"/> (a full path) no other writer takes: hidden, this process's, random.</summary>
    internal static string TempName(string target) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(target) ?? ".", $".{System.IO.Path.GetFileName(target)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");

    /// <summary>The file's final name (unless committed under another one).</summary>
    public string Target => _target;

    /// <summary>Where to write the content.</summary>
    public Stream Stream => (Stream?)_hashing ?? _file ?? throw new ObjectDisposedException(nameof(PendingFile));

    /// <summary>
    /// Flushes the content to disk and renames it over the target, or over <paramref name="target"/> (on the same file
    /// system); returns its size and (when hashed) SHA-256.
    /// </summary>
    public CommittedFile Commit(string? target = null)
    {
        target = target is null ? _target : System.IO.Path.GetFullPath(target);
        var file = _file ?? throw new ObjectDisposedException(nameof(PendingFile));
        try
        {
            file.Flush(flushToDisk: true);
            long bytes = file.Length;
            file.Dispose();
            _file = null;
            File.Move(_temp, target, overwrite: true);
            return new CommittedFile(target, bytes, _hashing?.Finish() ?? "");
        }
        catch (Exception e) when (AtomicFile.IsWriteFailure(e))
        {
            Dispose();
            File.Delete(_temp);
            throw AtomicFile.WriteFailed(target, e);
        }
    }

    /// <summary>Flushes the content to disk and gives it the target's name unless that exists (<see cref="Posix.TryLinkNew"/>); the temporary name goes either way.</summary>
    public bool CommitNew()
    {
        var file = _file ?? throw new ObjectDisposedException(nameof(PendingFile));
        file.Flush(flushToDisk: true);
        file.Dispose();
        _file = null;
        try { return Posix.TryLinkNew(_temp, _target); }
        finally { File.Delete(_temp); }
    }

    public void Dispose()
    {
        _hashing?.Dispose();
        if (_file is null) return;
        // Closing flushes buffered bytes, which fails on a full disk; the file is deleted either way.
        try { _file.Dispose(); }
        catch (Exception e) when (AtomicFile.IsWriteFailure(e)) { }
        _file = null;
        File.Delete(_temp);
    }

    /// <summary>Hashes what passes through on its way to the file. Write-only and sequential: Position is the byte count.</summary>
    private sealed class HashingStream(FileStream inner) : Stream
    {
        private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;

        public override long Position
        {
            get => _written;
            set => throw new NotSupportedException("a hashed file is written sequentially");
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            _sha.AppendData(buffer);
            _written += buffer.Length;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            _sha.AppendData(buffer.Span);
            _written += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("a hashed file is written sequentially");

        public override void SetLength(long value) => throw new NotSupportedException();

        public string Finish() => Convert.ToHexStringLower(_sha.GetHashAndReset());

        protected override void Dispose(bool disposing)
        {
            // The file belongs to PendingFile; only the hash is ours.
            if (disposing) _sha.Dispose();
            base.Dispose(disposing);
        }
    }
}
