using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace OnnxTransfer.IO;

/// <summary>What a path is, from the file system itself rather than from .NET's attributes.</summary>
internal enum FileKind { Missing, Regular, Directory, Other }

/// <summary>
/// A file's kind, size and identity: two paths name the same file when their device and inode are equal.
/// <paramref name="OtherKind"/> says what a <see cref="FileKind.Other"/> is ("a FIFO (named pipe)", "a socket", ...).
/// </summary>
internal readonly record struct FileStatus(FileKind Kind, long Size, ulong Device, ulong Inode, string OtherKind);

/// <summary>
/// The Linux system calls this tool needs and .NET does not expose: .NET reports a FIFO, a socket or a
/// device as a normal file (opening a FIFO for reading then blocks until a writer appears), hides inode
/// numbers (needed to follow each real directory once through symbolic links), and takes its own file
/// locks in ways that differ between FileShare modes. Every native file call of the tool is here.
/// Other systems get the closest managed equivalent, said on each member.
/// </summary>
internal static partial class Posix
{
    private const int AtFdCwd = -100, AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const int SIfMt = 0xF000, SIfReg = 0x8000, SIfDir = 0x4000, SIfIfo = 0x1000, SIfSock = 0xC000, SIfChr = 0x2000, SIfBlk = 0x6000;
    // open(2) flags on Linux x86-64 and arm64 (asm-generic): O_RDONLY, O_RDWR, O_CREAT, O_NONBLOCK, O_CLOEXEC.
    private const int ORdOnly = 0, ORdWr = 2, OCreat = 0x40, ONonBlock = 0x800, OCloExec = 0x80000;
    private const int LockSh = 1, LockEx = 2, LockNb = 4;
    private const int EWouldBlock = 11, EIntr = 4, EExist = 17;
    private const int EPerm = 1, EXDev = 18, EMLink = 31, EOpNotSupp = 95;

    /// <summary>struct statx: one layout on every Linux architecture (256 bytes).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct Statx
    {
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Inode;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatxCall(int dirFd, string path, int flags, uint mask, out Statx buffer);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int FStatxCall(SafeFileHandle fd, string emptyPath, int flags, uint mask, out Statx buffer);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenCall(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int FlockCall(SafeFileHandle fd, int operation);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkCall(string existing, string newPath);

    [LibraryImport("libc", EntryPoint = "strerror")]
    private static partial nint StrError(int errno);

    /// <summary>True where the native calls are used (Linux).</summary>
    public static bool IsNative => OperatingSystem.IsLinux();

    /// <summary>
    /// The status of what <paramref name="path"/> finally points to, through any symbolic links (Missing for a dangling
    /// link). Elsewhere than Linux: .NET's view, in which every non-directory is Regular and identities are 0.
    /// </summary>
    public static FileStatus Status(string path)
    {
        if (!IsNative) return ManagedStatus(path);
        if (StatxCall(AtFdCwd, path, 0, StatxBasicStats, out var st) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is 2 or 20) return new FileStatus(FileKind.Missing, 0, 0, 0, ""); // ENOENT, ENOTDIR
            throw new IOException($"cannot read the status of '{path}': {ErrorText(errno)}");
        }
        return FromStatx(st);
    }

    /// <summary>
    /// Opens <paramref name="path"/> for reading without blocking (a FIFO opens at once instead of waiting
    /// for a writer) and returns its handle with the status of what was opened, so the kind and size seen
    /// are those of the very file read. Elsewhere than Linux: File.OpenHandle.
    /// </summary>
    /// <exception cref="IOException">The file cannot be opened; the message is the system's reason.</exception>
    public static (SafeFileHandle Handle, FileStatus Status) OpenRead(string path)
    {
        if (!IsNative)
        {
            var managed = File.OpenHandle(path);
            return (managed, ManagedStatus(path));
        }
        int fd = OpenCall(path, ORdOnly | ONonBlock | OCloExec, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == 2) throw new FileNotFoundException(ErrorText(errno), path);
            if (errno == 13) throw new UnauthorizedAccessException(ErrorText(errno));
            throw new IOException(ErrorText(errno));
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (FStatxCall(handle, "", AtEmptyPath, StatxBasicStats, out var st) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw new IOException(ErrorText(errno));
        }
        return (handle, FromStatx(st));
    }

    /// <summary>
    /// Opens (creating it) <paramref name="path"/> and takes an exclusive lock on it without waiting; null when
    /// another process holds it. The kernel drops the lock when the process ends, however it ends, so there is
    /// never a stale lock to clean up. Linux: flock(2). Elsewhere: a FileStream with FileShare.None.
    /// </summary>
    public static SafeFileHandle? TryLockExclusive(string path) => TryLock(path, shared: false);

    /// <summary>
    /// Like <see cref="TryLockExclusive"/>, but shared: any number of processes may hold it at once, and none while one
    /// holds it exclusively. Elsewhere than Linux: a FileStream with FileShare.ReadWrite, which excludes nothing.
    /// </summary>
    public static SafeFileHandle? TryLockShared(string path) => TryLock(path, shared: true);

    private static SafeFileHandle? TryLock(string path, bool shared)
    {
        if (!IsNative)
        {
            try { return File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, shared ? FileShare.ReadWrite : FileShare.None); }
            catch (IOException) { return null; }
        }
        int fd = OpenCall(path, ORdWr | OCreat | OCloExec, Convert.ToInt32("644", 8));
        if (fd < 0) throw new IOException($"cannot open lock file '{path}': {ErrorText(Marshal.GetLastPInvokeError())}");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        while (true)
        {
            if (FlockCall(handle, (shared ? LockSh : LockEx) | LockNb) == 0) return handle;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EIntr) continue;
            handle.Dispose();
            if (errno == EWouldBlock) return null;
            throw new IOException($"cannot lock '{path}': {ErrorText(errno)}");
        }
    }

    /// <summary>
    /// Gives the file <paramref name="existing"/> the second name <paramref name="newPath"/> unless that name exists:
    /// false then, and nothing changes. Atomic, so of processes racing to create one file exactly one wins, and its
    /// content is whole from the start. Linux: link(2). Elsewhere: File.Copy without overwrite (not atomic).
    /// </summary>
    public static bool TryLinkNew(string existing, string newPath)
    {
        if (!IsNative)
        {
            try { File.Copy(existing, newPath, overwrite: false); return true; }
            catch (IOException) when (File.Exists(newPath)) { return false; }
        }
        if (LinkCall(existing, newPath) == 0) return true;
        int errno = Marshal.GetLastPInvokeError();
        if (errno == EExist) return false;
        throw new IOException($"cannot create '{newPath}': {ErrorText(errno)}");
    }

    /// <summary>
    /// Gives the file <paramref name="existing"/> the second name <paramref name="newPath"/> (which must not exist): true
    /// when done; false where the file system has no such names for it (another file system, a file system without hard
    /// links, the file's link limit, or a file another user owns under protected_hardlinks), and elsewhere than Linux.
    /// </summary>
    public static bool TryLink(string existing, string newPath)
    {
        if (!IsNative) return false;
        if (LinkCall(existing, newPath) == 0) return true;
        int errno = Marshal.GetLastPInvokeError();
        if (errno is EXDev or EPerm or EMLink or EOpNotSupp) return false;
        throw new IOException($"cannot create '{newPath}': {ErrorText(errno)}");
    }

    /// <summary>The system's text for an errno value, e.g. "No space left on device".</summary>
    public static string ErrorText(int errno) =>
        IsNative && Marshal.PtrToStringUTF8(StrError(errno)) is { Length: > 0 } text ? text : $"error {errno}";

    private static FileStatus FromStatx(in Statx st)
    {
        int type = st.Mode & SIfMt;
        var kind = type switch
        {
            SIfReg => FileKind.Regular,
            SIfDir => FileKind.Directory,
            _ => FileKind.Other,
        };
        string other = type switch
        {
            SIfIfo => "a FIFO (named pipe)",
            SIfSock => "a socket",
            SIfChr => "a character device",
            SIfBlk => "a block device",
            _ => "",
        };
        ulong device = ((ulong)st.DevMajor << 32) | st.DevMinor;
        return new FileStatus(kind, (long)st.Size, device, st.Inode, other);
    }

    private static FileStatus ManagedStatus(string path)
    {
        FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        if (!info.Exists && info.LinkTarget is null) return new FileStatus(FileKind.Missing, 0, 0, 0, "");
        if (info.LinkTarget is not null)
        {
            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            if (target is null || !target.Exists) return new FileStatus(FileKind.Missing, 0, 0, 0, "");
            info = target;
        }
        return info is DirectoryInfo
            ? new FileStatus(FileKind.Directory, 0, 0, 0, "")
            : new FileStatus(FileKind.Regular, ((FileInfo)info).Length, 0, 0, "");
    }
}
