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

    private FolderLock(SafeFileHandle handle) => _handle = handle;

    /// <summary>Creates <paramref name="folder"/> if needed and locks it for <paramref name="command"/> (named to the next process that tries).</summary>
    /// <exception cref="OnnxTransferException">Another process holds the lock; the message names the folder and that process.</exception>
    public static FolderLock Acquire(string folder, string command)
    {
        if (File.Exists(folder))
            throw new OnnxTransferException($"Output '{folder}' is a file, not a folder; choose a folder (it is created if missing).");
        try { Directory.CreateDirectory(folder); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxTransferException($"Cannot create output folder '{folder}': {e.Message}", e);
        }
        string path = Path.Combine(folder, FileName);
        var handle = Posix.TryLockExclusive(path)
            ?? throw new OnnxTransferException(
                $"Folder '{folder}' is in use by another onnx-transfer process ({Holder(path)}); wait for it to finish, stop it, or choose another folder.");
        // Who holds it, for the message above; written after locking, so a reader may briefly see the last holder's line.
        byte[] line = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"pid {Environment.ProcessId}, {command}\n"));
        RandomAccess.SetLength(handle, 0);
        RandomAccess.Write(handle, line, 0);
        return new FolderLock(handle);
    }

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

    public void Dispose() => _handle.Dispose();
}
