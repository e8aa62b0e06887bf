using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace OnnxTransfer.IO;

/// <summary>
/// An exclusive lock on an output folder for one command (extract, train, evaluate), so that two runs never
/// write into the same folder at once. It is an OS lock on <see cref="FileName"/> inside the folder: the kernel
/// releases it when the process ends, even by kill -9, so there is no stale lock to remove. The file stays
/// behind (removing it would race with a process about to lock it); it also marks the folder as this tool's
/// output, which the input scanner never reads as photos.
/// </summary>
internal sealed class FolderLock : IDisposable
{
    public const string FileName = ".onnx-transfer.lock";

    private readonly SafeFileHandle _handle;
    private readonly SafeFileHandle? _part;

    private FolderLock(SafeFileHandle handle, SafeFileHandle? part = null) => (_handle, _part) = (handle, part);

    /// <summary>True when this process is the folder's only user (<see cref="Acquire"/>), so it may tidy files others would be writing.</summary>
    public bool Exclusive => _part is null;

    /// <summary>Creates <paramref name="folder"/> if needed and locks it for <paramref name="command"/> (named to the next process that tries).</summary>
    /// <exception cref="OnnxTransferException">Another process holds the lock; the message names the folder and that process.</exception>
    public static FolderLock Acquire(string folder, string command)
    {
        CreateFolder(folder);
        string path = Path.Combine(folder, FileName);
        var handle = Posix.TryLockExclusive(path) ?? throw InUse(folder, path);
        WriteHolder(handle, command);
        return new FolderLock(handle);
    }

    /// <summary>
    /// Locks <paramref name="folder"/> for one of several processes that share it, each writing its own part (the
    /// shard tasks of one extraction): a shared lock on <see cref="FileName"/>, which keeps out any process wanting
    /// the folder to itself, and an exclusive one on <paramref name="part"/>'s own lock file, which keeps out a second
    /// copy of the same task. <paramref name="part"/> is a file-name-safe name, e.g. "shard-1-of-4".
    /// </summary>
    /// <exception cref="OnnxTransferException">Another process holds the folder, or the part; the message names it.</exception>
    public static FolderLock AcquireShared(string folder, string part, string command)
    {
        CreateFolder(folder);
        string path = Path.Combine(folder, FileName), partPath = Path.Combine(folder, $".onnx-transfer.{part}.lock");
        var handle = Posix.TryLockShared(path) ?? throw InUse(folder, path);
        var partHandle = Posix.TryLockExclusive(partPath);
        if (partHandle is null)
        {
            handle.Dispose();
            throw new OnnxTransferException(
                $"{part} of folder '{folder}' is being written by another onnx-transfer process ({Holder(partPath)}); wait for it to finish, or stop it before rerunning this {part}.");
        }
        WriteHolder(partHandle, command);
        WriteHolder(handle, command); // of several sharing it, the last to start is named
        return new FolderLock(handle, partHandle);
    }

    /// <summary>Who holds a lock, for the messages above; written after locking, so a reader may briefly see the last holder's line.</summary>
    private static void WriteHolder(SafeFileHandle handle, string command)
    {
        byte[] line = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"pid {Environment.ProcessId} on {Environment.MachineName}, {command}\n"));
        RandomAccess.SetLength(handle, 0);
        RandomAccess.Write(handle, line, 0);
    }

    private static void CreateFolder(string folder)
    {
        if (File.Exists(folder))
            throw new OnnxTransferException($"Output '{folder}' is a file, not a folder; choose a folder (it is created if missing).");
        try { Directory.CreateDirectory(folder); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxTransferException($"Cannot create output folder '{folder}': {e.Message}", e);
        }
    }

    private static OnnxTransferException InUse(string folder, string path) =>
        new($"Folder '{folder}' is in use by another onnx-transfer process ({Holder(path)}); wait for it to finish, stop it, or choose another folder.");

    /// <summary>True when <paramref name="folder"/> holds this tool's lock file: it is (or was) an output folder.</summary>
    public static bool Marks(string folder) => File.Exists(Path.Combine(folder, FileName));

    private static string Holder(string path)
    {
        try
        {
            // Read without taking any lock (Posix.OpenRead), since .NET's own open would wait on, or fail at, the holder's.
            var (handle, status) = Posix.OpenRead(path);
            using (handle)
            {
                var buffer = new byte[Math.Clamp(status.Size, 0, 200)];
                int n = RandomAccess.Read(handle, buffer, 0);
                string text = Encoding.UTF8.GetString(buffer, 0, n).Trim();
                return text.Length > 0 ? text : "pid unknown";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "pid unknown";
        }
    }

    public void Dispose()
    {
        _part?.Dispose();
        _handle.Dispose();
    }
}
