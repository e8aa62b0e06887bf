using System.Security.Cryptography;
using OnnxTransfer.IO;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Core.Tests.IO;

/// <summary>AtomicFile: a file appears whole under its name or not at all, and its hash is that of exactly what was written.</summary>
public class AtomicFileTests
{
    private static byte[] RandomBytes(int n, int seed)
    {
        var bytes = new byte[n];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Everything in the folder, by name: temporary siblings are hidden files, so "nothing else there" is the check.</summary>
    private static string[] Listing(string dir) => [.. Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    [Fact]
    public void Nothing_is_visible_under_the_final_name_before_Commit()
    {
        using var dir = new TempDir();
        string path = dir.File("out.bin");
        var content = RandomBytes(200_000, 1);
        using (var pending = AtomicFile.Create(path))
        {
            pending.Stream.Write(content);
            pending.Stream.Flush();
            Assert.False(File.Exists(path));
            string temp = Assert.Single(Listing(dir.Path));
            Assert.StartsWith(".out.bin.", temp); // a hidden sibling, in the same folder so the rename stays on one file system
            Assert.EndsWith(".tmp", temp);
            var committed = pending.Commit();
            Assert.Equal(path, committed.Path);
            Assert.Equal(content.Length, committed.Bytes);
        }
        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Equal(["out.bin"], Listing(dir.Path));
    }

    [Fact]
    public void Dispose_without_Commit_leaves_no_file_and_keeps_the_old_one()
    {
        using var dir = new TempDir();
        using (var pending = AtomicFile.Create(dir.File("new.bin"))) pending.Stream.Write(RandomBytes(100, 2));
        Assert.Empty(Listing(dir.Path));

        File.WriteAllText(dir.File("old.txt"), "old");
        using (var pending = AtomicFile.Create(dir.File("old.txt"), hash: true)) pending.Stream.Write(RandomBytes(100, 3));
        Assert.Equal(["old.txt"], Listing(dir.Path));
        Assert.Equal("old", File.ReadAllText(dir.File("old.txt")));
    }

    [Fact]
    public void Commit_replaces_an_existing_file_by_renaming_over_it()
    {
        using var dir = new TempDir();
        string path = dir.File("model.onnx");
        File.WriteAllText(path, "old content");
        // A reader that opened the old file keeps reading the old file: it is replaced, never rewritten in place.
        using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using (var pending = AtomicFile.Create(path))
        {
            pending.Stream.Write("new content, longer"u8);
            Assert.Equal("old content", File.ReadAllText(path));
            pending.Commit();
        }
        Assert.Equal("new content, longer", File.ReadAllText(path));
        Assert.Equal("old content", new StreamReader(reader).ReadToEnd());
        Assert.Equal(["model.onnx"], Listing(dir.Path));
    }

    [Fact]
    public async Task A_hashed_file_reports_the_sha256_and_size_of_exactly_what_was_written()
    {
        using var dir = new TempDir();
        string path = dir.File("shard.bin");
        var content = RandomBytes(300_001, 4);
        CommittedFile committed;
        using (var pending = AtomicFile.Create(path, hash: true))
        {
            // Every write path of the hashing stream, in pieces of awkward sizes, and the buffered flushes between them.
            var s = pending.Stream;
            s.Write(content, 0, 1);
            s.Write(content.AsSpan(1, 65_535));
            await s.WriteAsync(content.AsMemory(65_536, 100_000));
#pragma warning disable CA1835 // the array overload on purpose: it is one of the write paths under test
            await s.WriteAsync(content, 165_536, 7);
#pragma warning restore CA1835
            s.WriteByte(content[165_543]);
            await s.FlushAsync();
            s.Write(content.AsSpan(165_544));
            Assert.Equal(content.Length, s.Position);
            Assert.Throws<NotSupportedException>(() => s.Seek(0, SeekOrigin.Begin));
            committed = pending.Commit();
        }
        var written = await File.ReadAllBytesAsync(path);
        Assert.Equal(content, written);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(written)), committed.Sha256);
        Assert.Equal(new FileInfo(path).Length, committed.Bytes);
        Assert.Equal(content.Length, committed.Bytes);
    }

    [Fact]
    public void An_unhashed_file_reports_its_size_and_no_hash()
    {
        using var dir = new TempDir();
        CommittedFile committed;
        using (var pending = AtomicFile.Create(dir.File("a.bin")))
        {
            pending.Stream.Write(RandomBytes(1234, 5));
            committed = pending.Commit();
        }
        Assert.Equal(1234, committed.Bytes);
        Assert.Equal("", committed.Sha256);
    }

    [Fact]
    public void Commit_to_another_folder_moves_the_file_there()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("a"));
        Directory.CreateDirectory(dir.File("b"));
        var content = RandomBytes(5000, 6);
        CommittedFile committed;
        using (var pending = AtomicFile.Create(dir.File("a", "piece.bin"), hash: true))
        {
            pending.Stream.Write(content);
            committed = pending.Commit(dir.File("b", "final.bin"));
        }
        Assert.Equal(dir.File("b", "final.bin"), committed.Path);
        Assert.Empty(Listing(dir.File("a")));
        Assert.Equal(["final.bin"], Listing(dir.File("b")));
        Assert.Equal(content, File.ReadAllBytes(dir.File("b", "final.bin")));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), committed.Sha256);
    }

    [Fact]
    public void A_target_that_is_a_folder_fails_naming_the_path_and_leaves_no_temporary_file()
    {
        using var dir = new TempDir();
        string path = dir.File("taken");
        Directory.CreateDirectory(path);
        var e = Assert.Throws<OnnxTransferException>(() => AtomicFile.WriteAllText(path, "text"));
        Assert.StartsWith($"Cannot write '{path}': ", e.Message);
        Assert.IsAssignableFrom<IOException>(e.InnerException);
        Assert.Equal(["taken"], Listing(dir.Path));
        Assert.Empty(Listing(path));
    }

    [Fact]
    public void A_folder_in_the_path_that_is_a_file_fails_naming_it()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("file"), "x");
        // Today this is .NET's IOException from creating the folder ("The file '.../file' already exists"), not an
        // OnnxTransferException: a path problem rather than a failing disk. Either way the message must name what is in the way.
        var e = Assert.IsAssignableFrom<Exception>(Record.Exception(() => AtomicFile.Create(dir.File("file", "out.bin")).Dispose()));
        Assert.True(e is IOException or OnnxTransferException, e.ToString());
        Assert.Contains(dir.File("file"), e.Message);
        Assert.Equal(["file"], Listing(dir.Path));
    }

    [Fact]
    public void A_write_that_throws_an_IOException_is_reported_by_path_and_commits_nothing()
    {
        using var dir = new TempDir();
        string path = dir.File("x.bin");
        var e = Assert.Throws<OnnxTransferException>(() => AtomicFile.Write(path, s =>
        {
            s.Write([1, 2, 3]);
            throw new IOException("No space left on device");
        }));
        Assert.StartsWith($"Cannot write '{path}': No space left on device (", e.Message);
        Assert.Empty(Listing(dir.Path));
        // Anything else is a bug, not a write failure: it passes through unchanged, and still leaves nothing behind.
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, _ => throw new InvalidOperationException()));
        Assert.Empty(Listing(dir.Path));
    }

    /// <summary>
    /// On one file system the target is a second name of the source (one inode, two links, by the system's stat), and
    /// nothing else is left in its folder; a check that throws leaves the target that was there, and no temporary file.
    /// </summary>
    [LinuxFact]
    public void LinkOrCopy_links_on_one_file_system_and_a_refused_check_leaves_the_target_as_it_was()
    {
        using var dir = new TempDir();
        string source = dir.File("model.onnx"), target = dir.File("run", "backbone.onnx");
        var content = RandomBytes(100_000, 3);
        File.WriteAllBytes(source, content);
        byte[]? checkedBytes = null;
        AtomicFile.LinkOrCopy(source, target, placed => checkedBytes = File.ReadAllBytes(placed));
        Assert.Equal(content, checkedBytes);
        Assert.Equal(content, File.ReadAllBytes(target));
        Assert.Equal(Shell.Run("stat", "-c", "%i %h", source).Out, Shell.Run("stat", "-c", "%i %h", target).Out);
        Assert.EndsWith(" 2", Shell.Run("stat", "-c", "%i %h", target).Out.Trim());
        Assert.Equal(["backbone.onnx"], Listing(dir.File("run")));

        File.Delete(target);
        File.WriteAllBytes(target, [1, 2, 3]);
        var e = Assert.Throws<OnnxTransferException>(() => AtomicFile.LinkOrCopy(source, target, _ => throw new OnnxTransferException("not the model")));
        Assert.Equal("not the model", e.Message);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(target));
        Assert.Equal(["backbone.onnx"], Listing(dir.File("run")));
    }

    /// <summary>
    /// From /dev/shm (tmpfs) into the temporary folder: on two file systems, a copy (another inode, one link, the same
    /// bytes); where the two are one file system, the link again.
    /// </summary>
    [LinuxFact]
    public void LinkOrCopy_copies_where_the_file_system_cannot_link()
    {
        using var dir = new TempDir();
        string source = Path.Combine("/dev/shm", $"onnx-transfer-test-{Guid.NewGuid():N}.onnx"), target = dir.File("backbone.onnx");
        var content = RandomBytes(50_000, 4);
        File.WriteAllBytes(source, content);
        try
        {
            AtomicFile.LinkOrCopy(source, target, _ => { });
            Assert.Equal(content, File.ReadAllBytes(target));
            bool oneFileSystem = Shell.Run("stat", "-c", "%d", source).Out == Shell.Run("stat", "-c", "%d", dir.Path).Out;
            var (from, to) = (Shell.Run("stat", "-c", "%i %h", source).Out.Trim(), Shell.Run("stat", "-c", "%i %h", target).Out.Trim());
            if (oneFileSystem) Assert.Equal(from, to);
            else
            {
                Assert.NotEqual(from.Split(' ')[0], to.Split(' ')[0]);
                Assert.EndsWith(" 1", to);
            }
            Assert.Equal(["backbone.onnx"], Listing(dir.Path));
        }
        finally { File.Delete(source); }
    }
}
