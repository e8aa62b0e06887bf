using System.Globalization;
using System.Net.Sockets;
using System.Runtime.Versioning;
using OnnxTransfer.IO;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Core.Tests.IO;

/// <summary>Posix.Status and OpenRead against what coreutils' stat says about the same paths.</summary>
[SupportedOSPlatform("linux")]
public class PosixTests
{
    /// <summary>stat(1)'s view, following links: file type, size and inode.</summary>
    private static (string Type, long Size, ulong Inode) Stat(string path)
    {
        var parts = Shell.Ok("stat", "-L", "-c", "%F|%s|%i", path).Split('|');
        return (parts[0], long.Parse(parts[1], CultureInfo.InvariantCulture), ulong.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    [LinuxFact]
    public void Status_gives_the_kind_size_and_inode_of_each_sort_of_file()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("file"), new byte[12345]);
        Directory.CreateDirectory(dir.File("folder"));
        Shell.Ok("mkfifo", dir.File("fifo"));
        // Kept open: .NET removes a socket's file when the socket is closed.
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(dir.File("socket")));
        File.CreateSymbolicLink(dir.File("link-to-file"), dir.File("file"));
        File.CreateSymbolicLink(dir.File("link-to-folder"), dir.File("folder"));

        var expected = new (string Name, FileKind Kind, string StatType, string OtherKind)[]
        {
            ("file", FileKind.Regular, "regular file", ""),
            ("folder", FileKind.Directory, "directory", ""),
            ("fifo", FileKind.Other, "fifo", "a FIFO (named pipe)"),
            ("socket", FileKind.Other, "socket", "a socket"),
            ("link-to-file", FileKind.Regular, "regular file", ""), // links are followed
            ("link-to-folder", FileKind.Directory, "directory", ""),
        };
        foreach (var (name, kind, statType, other) in expected)
        {
            var status = Posix.Status(dir.File(name));
            var stat = Stat(dir.File(name));
            Assert.Equal(statType, stat.Type);
            Assert.Equal((name, kind, other, stat.Inode), (name, status.Kind, status.OtherKind, status.Inode));
            if (kind == FileKind.Regular) Assert.Equal(stat.Size, status.Size);
        }
        Assert.Equal(12345, Posix.Status(dir.File("link-to-file")).Size);

        var devNull = Posix.Status("/dev/null");
        Assert.Equal("character special file", Stat("/dev/null").Type);
        Assert.Equal((FileKind.Other, "a character device", Stat("/dev/null").Inode), (devNull.Kind, devNull.OtherKind, devNull.Inode));
    }

    [LinuxFact]
    public void Missing_paths_and_dangling_links_are_Missing()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("file"), "x");
        File.CreateSymbolicLink(dir.File("dangling"), dir.File("nowhere"));
        Assert.Equal(FileKind.Missing, Posix.Status(dir.File("dangling")).Kind);
        Assert.Equal(FileKind.Missing, Posix.Status(dir.File("nowhere")).Kind);
        Assert.Equal(FileKind.Missing, Posix.Status(dir.File("file", "under-a-file")).Kind); // ENOTDIR
        Assert.Equal(FileKind.Regular, Posix.Status(dir.File("file")).Kind);
    }

    [LinuxFact]
    public void Links_to_one_file_share_its_identity_and_a_copy_does_not()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("file"), "same");
        File.WriteAllText(dir.File("copy"), "same");
        File.CreateSymbolicLink(dir.File("a"), dir.File("file"));
        File.CreateSymbolicLink(dir.File("b"), "a"); // a link to a link, relative
        Shell.Ok("ln", dir.File("file"), dir.File("hard"));
        var file = Posix.Status(dir.File("file"));
        foreach (var link in new[] { "a", "b", "hard" })
        {
            var status = Posix.Status(dir.File(link));
            Assert.Equal((file.Device, file.Inode), (status.Device, status.Inode));
        }
        var copy = Posix.Status(dir.File("copy"));
        Assert.Equal(file.Device, copy.Device);
        Assert.NotEqual(file.Inode, copy.Inode);
        Assert.NotEqual(0UL, file.Inode);
    }

    [LinuxFact]
    public async Task OpenRead_on_a_fifo_without_a_writer_returns_at_once_and_says_it_is_a_fifo()
    {
        using var dir = new TempDir();
        string fifo = dir.File("fifo.jpg");
        Shell.Ok("mkfifo", fifo);
        var open = Task.Run(() => Posix.OpenRead(fifo));
        try
        {
            var (handle, status) = await open.WaitAsync(TimeSpan.FromSeconds(10));
            using (handle)
            {
                Assert.Equal(FileKind.Other, status.Kind);
                Assert.Equal("a FIFO (named pipe)", status.OtherKind);
                Assert.Equal(Stat(fifo).Inode, status.Inode);
            }
        }
        finally
        {
            // Were it blocked in open(2), a writer releases it, so the test fails instead of leaving a thread hung.
            if (!open.IsCompleted) await using (new FileStream(fifo, FileMode.Open, FileAccess.Write)) { }
        }
    }

    [LinuxFact]
    public void OpenRead_returns_the_status_of_the_file_it_opened()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("file"), "hello");
        var (handle, status) = Posix.OpenRead(dir.File("file"));
        using (handle)
        {
            Assert.Equal((FileKind.Regular, 5L, Stat(dir.File("file")).Inode), (status.Kind, status.Size, status.Inode));
            var buffer = new byte[10];
            Assert.Equal("hello"u8.ToArray(), buffer[..RandomAccess.Read(handle, buffer, 0)]);
        }
        Assert.Throws<FileNotFoundException>(() => Posix.OpenRead(dir.File("nowhere")));
    }

    [LinuxFact]
    public void ErrorText_is_the_system_message() =>
        Assert.Equal(("No such file or directory", "No space left on device"), (Posix.ErrorText(2), Posix.ErrorText(28)));
}
