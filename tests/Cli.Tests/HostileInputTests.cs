using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using OnnxTransfer.IO;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Cli.Tests;

/// <summary>Bad files, bad folders, bad options and a full disk, through the real CLI in child processes: one line, a non-zero exit, no hang.</summary>
[Collection(DemoRun.Collection)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class HostileInputTests(DemoRun demo)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    private string Run => Path.Combine(demo.Root, "run");
    private string Backbone => Path.Combine(Run, "backbone.onnx");
    private string Val => Path.Combine(demo.Root, "data", "val");
    /// <summary>A whole (untruncated) random-weights MobileNet, imported once.</summary>
    private string Untruncated
    {
        get
        {
            string path = demo.File("mobilenet-whole.onnx");
            if (!File.Exists(path)) Assert.Equal(0, Cli.Run("models", "import", "--random-weights", "--arch", "mobilenet", "--alpha", "0.25", "--seed", "2", "-o", path).ExitCode);
            return path;
        }
    }

    private string[] GoodPhotos => Directory.GetFiles(Path.Combine(Val, "ocean")).Order(StringComparer.Ordinal).ToArray();

    private static void AssertOneLineError(CliResult r, string expected)
    {
        Assert.True(r.ExitCode != 0, $"exit 0; stdout:\n{r.Out}");
        Assert.DoesNotContain("   at ", r.Error);
        var errors = r.ErrorLines.Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1, r.Error);
        Assert.Contains(expected, errors[0]);
    }

    /// <summary>
    /// The attack corpus, made at test time: every kind of bad file in one class folder, beside good photos under awkward
    /// names. Every image becomes a row or an errors.tsv line with its reason; nothing hangs (the run is timed).
    /// </summary>
    [Fact]
    public void The_attack_corpus_gives_rows_plus_errors_equal_to_images_each_with_its_reason()
    {
        string root = demo.File("corpus"), bad = Path.Combine(root, "bad"), good = Path.Combine(root, "good");
        Directory.CreateDirectory(bad);
        Directory.CreateDirectory(good);
        var photos = GoodPhotos;
        string[] awkward = ["plain.jpg", "tab\there.jpg", "new\nline.jpg", "comma, and \"quotes\".jpg", "back\\slash.jpg", "carriage\rreturn.jpg"];
        for (int i = 0; i < awkward.Length; i++) File.Copy(photos[i], Path.Combine(good, awkward[i]));
        byte[] jpeg = File.ReadAllBytes(photos[0]);
        var expected = new Dictionary<string, string>
        {
            ["bad/empty.jpg"] = "empty file",
            ["bad/truncated.jpg"] = "truncated",
            ["bad/text.jpg"] = "not a supported image",
            ["bad/bomb.png"] = "50000x50000",
            ["bad/fifo.jpg"] = "not a regular file (a FIFO (named pipe))",
            ["bad/zero.jpg"] = "not a regular file (a character device)",
            ["bad/socket.png"] = "not a regular file (a socket)",
            ["bad/dangling.jpg"] = "cannot read file",
            ["bad/sparse.jpg"] = "larger than the",
            ["bad/tab\tand\nnewline.jpg"] = "empty file",
            ["bad/\uFFFD.jpg"] = "not valid UTF-8",
        };
        File.WriteAllBytes(Path.Combine(bad, "empty.jpg"), []);
        File.WriteAllBytes(Path.Combine(bad, "truncated.jpg"), jpeg[..(jpeg.Length / 2)]);
        File.WriteAllText(Path.Combine(bad, "text.jpg"), "not an image");
        File.WriteAllBytes(Path.Combine(bad, "bomb.png"), TestImages.PngHeaderOnly(50000, 50000));
        Exec("mkfifo", Path.Combine(bad, "fifo.jpg"));
        File.CreateSymbolicLink(Path.Combine(bad, "zero.jpg"), "/dev/zero");
        // Kept open: .NET removes a socket's file when the socket is closed.
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(Path.Combine(bad, "socket.png")));
        File.CreateSymbolicLink(Path.Combine(bad, "dangling.jpg"), Path.Combine(root, "nowhere.jpg"));
        using (var sparse = File.Create(Path.Combine(bad, "sparse.jpg"))) sparse.SetLength(2L << 30); // 2 GB, no blocks on disk
        File.WriteAllBytes(Path.Combine(bad, "tab\tand\nnewline.jpg"), []);
        Exec("/usr/bin/python3", "-c", "import sys; open(sys.argv[1].encode() + b'/\\xff.jpg', 'wb').write(b'x')", bad); // a name that is not UTF-8

        string output = demo.File("corpus-features");
        var r = ChildCli.Run(Limit, "extract", root, "--model", Backbone, "-o", output, "--device", "cpu");
        Assert.True(r.ExitCode == 0, r.Error);
        int images = expected.Count + awkward.Length;
        Assert.Contains($"{images} images -> {awkward.Length} rows, {expected.Count} errors", r.Out);

        var lines = File.ReadAllText(Path.Combine(output, "errors.tsv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("path\treason", lines[0]);
        var reasons = lines.Skip(1).Select(l => l.Split('\t')).ToDictionary(f => Delimited.TsvUnescape(f[0]), f => Delimited.TsvUnescape(f[1]));
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), reasons.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, reason) in expected) Assert.Contains(reason, reasons[path]);

        // predict reads the same files with the same care: a FIFO given by name does not hang it.
        var p = ChildCli.Run(Limit, "predict", Run, Path.Combine(bad, "fifo.jpg"), "--format", "csv");
        Assert.Equal(1, p.ExitCode);
        Assert.Contains("not a regular file (a FIFO (named pipe))", p.Error);

        // And its CSV stays parseable with those names: one record per photo, names round-trip.
        var csv = ChildCli.Run(Limit, "predict", Run, good, "--format", "csv", "--quiet");
        Assert.True(csv.ExitCode == 0, csv.Error);
        var records = CsvRecords(csv.Out).Skip(1).ToList();
        Assert.Equal(awkward.Order(StringComparer.Ordinal), records.Select(f => f[0]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_unreadable_sub_folder_is_listed_in_errors_tsv_and_the_run_goes_on()
    {
        string root = demo.File("locked-input");
        Directory.CreateDirectory(Path.Combine(root, "ocean"));
        Directory.CreateDirectory(Path.Combine(root, "secret", "inner"));
        foreach (string f in GoodPhotos.Take(3)) File.Copy(f, Path.Combine(root, "ocean", Path.GetFileName(f)));
        File.Copy(GoodPhotos[3], Path.Combine(root, "secret", "inner", "x.jpg"));
        File.SetUnixFileMode(Path.Combine(root, "secret", "inner"), UnixFileMode.None);
        try
        {
            // As root, permissions are not checked; without the two capabilities that skip the checks they are.
            string[]? wrapper = Environment.UserName == "root" ? ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"] : null;
            string output = demo.File("locked-features");
            var r = ChildCli.Run(Limit, wrapper, null, "extract", root, "--model", Backbone, "-o", output, "--device", "cpu");
            Assert.True(r.ExitCode == 0, r.Error);
            Assert.Contains("3 images -> 3 rows, 0 errors (1 unreadable folder(s) also in errors.tsv)", r.Out);
            Assert.Contains("warning: 1 folder(s) could not be read", r.Error);
            var line = File.ReadAllLines(Path.Combine(output, "errors.tsv"))[1].Split('\t');
            Assert.Equal("secret/inner/", line[0]);
            Assert.StartsWith("cannot list folder", line[1]);
        }
        finally { File.SetUnixFileMode(Path.Combine(root, "secret", "inner"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); }
    }

    /// <summary>A disk that fills up mid-extraction: one line naming the file and the free space, and a rerun with space finishes the job.</summary>
    [TmpfsFact]
    public void A_full_disk_is_one_line_and_the_run_resumes_once_there_is_space()
    {
        string mount = demo.File("small-disk");
        Directory.CreateDirectory(mount);
        Assert.Equal(0, Exec("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount));
        try
        {
            string output = Path.Combine(mount, "features");
            string[] args = ["extract", Val, "--model", Untruncated, "--layer", "conv_pw_13_relu", "-o", output, "--device", "cpu"]; // 50 KB a row, unpooled
            var full = ChildCli.Run(Limit, args);
            AssertOneLineError(full, "No space left on device");
            Assert.Matches(@"Cannot write '[^']+': .*\(\d[\d,]* MB free there\); free some space or fix the disk, then rerun the same command: finished work is kept\.", full.Error);
            Assert.Equal(2, full.ExitCode);

            Assert.Equal(0, Exec("mount", "-o", "remount,size=64m", mount));
            var rerun = ChildCli.Run(Limit, args);
            Assert.True(rerun.ExitCode == 0, rerun.Error);
            Assert.Contains("60 images -> 60 rows, 0 errors", rerun.Out);
        }
        finally { Exec("umount", mount); }
    }

    [Fact]
    public void A_file_size_limit_is_the_same_one_line_error()
    {
        string output = demo.File("size-limited");
        // RLIMIT_FSIZE makes large writes fail with EFBIG once SIGXFSZ is ignored (an ignored signal survives exec).
        string[] wrapper = ["bash", "-c", "trap '' XFSZ; exec prlimit --fsize=1500000 -- \"$@\"", "limited"];
        // The runtime's W^X double mapping lives in a file the limit would also cut: it is turned off for this run.
        var env = new Dictionary<string, string> { ["DOTNET_EnableWriteXorExecute"] = "0" };
        var r = ChildCli.Run(Limit, wrapper, env, "extract", Val, "--model", Untruncated, "--layer", "conv_pw_13_relu", "-o", output, "--device", "cpu");
        AssertOneLineError(r, "File too large");
        Assert.Contains("rerun the same command: finished work is kept", r.Error);
    }

    /// <summary>Bad invocations of every verb: each a one-line error and a non-zero exit, never a stack trace.</summary>
    [Fact]
    public void Bad_invocations_are_one_line_errors()
    {
        string file = demo.File("a-file.txt");
        File.WriteAllText(file, "x");
        string tampered = demo.File("tampered-run");
        CopyRun(Run, tampered);
        var sidecar = JsonSerializer.Deserialize<Dictionary<string, object>>(File.ReadAllText(Path.Combine(tampered, "head.json")))!;
        sidecar["classes"] = new[] { "autumn", "forest" };
        File.WriteAllText(Path.Combine(tampered, "head.json"), JsonSerializer.Serialize(sidecar));
        string damaged = demo.File("damaged-features");
        CopyFolder(Path.Combine(demo.Root, "features"), damaged);
        File.WriteAllBytes(Path.Combine(damaged, "part-00000.parquet"), [.. "PAR1"u8, 0, 0, 0, 0, .. "PAR1"u8]);

        string features = Path.Combine(demo.Root, "features");
        var cases = new (string[] Args, string Expected)[]
        {
            (["extract", Val, "--model", Backbone, "-o", file], "is a file, not a folder"),
            (["train", features, "-o", file], "is a file, not a folder"),
            (["evaluate", Run, Val, "-o", file], "is a file, not a folder"),
            (["extract", Val, "--model", Backbone, "--batch-size", "100000", "-o", demo.File("x1")], "--batch-size"),
            (["extract", Val, "--model", Backbone, "--input-size", "1", "-o", demo.File("x2")], "--input-size 1 is too small"),
            (["extract", Val, "--model", Backbone, "--input-size", "8192", "-o", demo.File("x3")], "of memory"),
            (["extract", Val, "--model", Backbone, "--threads", "2147483647", "-o", demo.File("x4")], "--threads 2147483647"),
            (["extract", Val, "--model", Backbone, "--max-file-size", "lots", "-o", demo.File("x5")], "--max-file-size 'lots' is not a size"),
            (["train", features, "--lr", "NaN", "-o", demo.File("r1")], "--lr NaN is not a finite number"),
            (["train", features, "--l2", "Infinity", "-o", demo.File("r2")], "--l2 Infinity is not a finite number"),
            (["train", features, "--momentum", "NaN", "--optimizer", "sgd", "-o", demo.File("r3")], "--momentum NaN"),
            (["train", features, "--label-smoothing", "NaN", "-o", demo.File("r4")], "--label-smoothing NaN"),
            (["train", damaged, "-o", demo.File("r5")], "is damaged"),
            (["export", tampered, "-o", demo.File("t.onnx")], "head.onnx outputs 3 probabilities but head.json names 2 classes"),
            (["predict", tampered, GoodPhotos[0]], "head.onnx outputs 3 probabilities but head.json names 2 classes"),
        };
        foreach (var (args, expected) in cases)
        {
            var r = ChildCli.Run(Limit, args);
            try { AssertOneLineError(r, expected); }
            catch (Exception e) { throw new Xunit.Sdk.XunitException($"onnx-transfer {string.Join(' ', args)}: {e.Message}\nstderr:\n{r.Error}"); }
        }
    }

    private static void CopyRun(string from, string to) => CopyFolder(from, to);

    private static void CopyFolder(string from, string to)
    {
        foreach (string dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (string f in Directory.GetFiles(from, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(FolderLock.FileName, StringComparison.Ordinal)))
            File.Copy(f, Path.Combine(to, Path.GetRelativePath(from, f)));
    }

    internal static int Exec(string program, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        p.WaitForExit();
        return p.ExitCode;
    }

    /// <summary>RFC 4180 records of a CSV text (quoted fields may hold commas, quotes and line breaks).</summary>
    private static IEnumerable<List<string>> CsvRecords(string text)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else if (c == '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                yield return fields;
                fields = [];
            }
            else if (c != '\r') field.Append(c);
        }
    }
}

/// <summary>A test that mounts a small tmpfs (a disk that fills up): skipped, visibly, where mounting is not allowed.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    private static readonly Lazy<bool> CanMount = new(() =>
    {
        string dir = Path.Combine(Path.GetTempPath(), $"onnx-transfer-mount-probe-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            if (!OperatingSystem.IsLinux() || HostileInputTests.Exec("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir) != 0) return false;
            HostileInputTests.Exec("umount", dir);
            return true;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
        finally { Directory.Delete(dir); }
    });

    public TmpfsFactAttribute()
    {
        if (!CanMount.Value) Skip = "skipped: cannot mount a tmpfs here (needs root); A_file_size_limit_is_the_same_one_line_error checks the same path";
    }
}
