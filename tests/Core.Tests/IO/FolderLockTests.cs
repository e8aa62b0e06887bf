using System.Runtime.Versioning;
using OnnxTransfer.IO;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Core.Tests.IO;

/// <summary>FolderLock: one holder at a time, named to the next; the kernel's lock, so util-linux's flock(1) sees it too.</summary>
[SupportedOSPlatform("linux")]
public class FolderLockTests
{
    /// <summary>True when another process can take the lock at once: flock -n exits 1 when it cannot.</summary>
    private static bool FreeForOthers(string folder) =>
        Shell.Run("flock", "-n", Path.Combine(folder, FolderLock.FileName), "true").Code == 0;

    [LinuxFact]
    public void A_second_Acquire_fails_naming_this_process_and_its_command_until_the_first_is_disposed()
    {
        using var dir = new TempDir();
        string folder = dir.File("out");
        using (FolderLock.Acquire(folder, "extract photos -o out"))
        {
            // flock locks belong to an open file, so even this process's second open is refused.
            var e = Assert.Throws<OnnxTransferException>(() => FolderLock.Acquire(folder, "train out"));
            Assert.Contains($"Folder '{folder}' is in use by another onnx-transfer process (pid {Environment.ProcessId} on {Environment.MachineName}, extract photos -o out)", e.Message);
            Assert.False(FreeForOthers(folder));
        }
        Assert.True(FreeForOthers(folder));
        using (FolderLock.Acquire(folder, "train out"))
        {
            // cat, not File.ReadAllText: .NET's own open takes a lock of its own and fails on this one.
            Assert.Equal($"pid {Environment.ProcessId} on {Environment.MachineName}, train out", Shell.Ok("cat", Path.Combine(folder, FolderLock.FileName)));
            Assert.False(FreeForOthers(folder));
        }
    }

    [LinuxFact]
    public void A_lock_another_process_holds_is_refused()
    {
        using var dir = new TempDir();
        string folder = dir.File("out");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, FolderLock.FileName), "pid 4242, evaluate out\n");
        // flock(1) holds the lock while its child runs; the child says so, then waits to be killed. With -o only flock
        // itself holds it, so once flock has exited the lock is free.
        var start = new System.Diagnostics.ProcessStartInfo("flock", ["-o", Path.Combine(folder, FolderLock.FileName), "sh", "-c", "echo locked; exec sleep 60"])
        {
            RedirectStandardOutput = true,
        };
        using var holder = System.Diagnostics.Process.Start(start)!;
        try
        {
            Assert.Equal("locked", holder.StandardOutput.ReadLine());
            var e = Assert.Throws<OnnxTransferException>(() => FolderLock.Acquire(folder, "extract"));
            Assert.Contains("(pid 4242, evaluate out)", e.Message);
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            holder.WaitForExit();
        }
        using (FolderLock.Acquire(folder, "extract")) { } // the kernel dropped it with the process
    }

    [LinuxFact]
    public void A_missing_folder_is_created_and_then_marked_as_an_output()
    {
        using var dir = new TempDir();
        string folder = dir.File("a", "b", "out");
        Assert.False(FolderLock.Marks(dir.Path));
        using (FolderLock.Acquire(folder, "extract")) Assert.True(Directory.Exists(folder));
        Assert.True(FolderLock.Marks(folder)); // the file stays: removing it would race with the next locker
    }

    [LinuxFact]
    public void A_path_that_is_a_file_is_refused_and_left_alone()
    {
        using var dir = new TempDir();
        string file = dir.File("features.parquet");
        File.WriteAllText(file, "data");
        var e = Assert.Throws<OnnxTransferException>(() => FolderLock.Acquire(file, "extract"));
        Assert.Equal($"Output '{file}' is a file, not a folder; choose a folder (it is created if missing).", e.Message);
        Assert.Equal("data", File.ReadAllText(file));
    }
}
