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
        Exec("bash", "-c", "printf x > \"$1/$(printf '\\377').jpg\"", "name", bad); // a name that is not UTF-8 (.NET cannot write one)

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

            // train too: the run folder fills up (its copy of the backbone alone is larger than what is left).
            Assert.Equal(0, Exec("mount", "-o", "remount,size=" + (new DriveInfo(mount).TotalSize - new DriveInfo(mount).AvailableFreeSpace + 200_000), mount));
            var train = ChildCli.Run(Limit, "train", Path.Combine(demo.Root, "features"), "-o", Path.Combine(mount, "run"), "--epochs", "2");
            AssertOneLineError(train, "No space left on device");
            Assert.Equal(2, train.ExitCode);
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
        string outside = ExternalDataOutside(demo.File("external"));
        string huge = demo.File("huge.onnx");
        var g = new Onnx.GraphBuilder("huge");
        g.Input("image", Onnx.Proto.TensorProto.Types.DataType.Float, 1L, 1_000_000_000_000L, 8L, 3L);
        g.Node("Identity", ["image"], "out");
        g.Output("out", Onnx.Proto.TensorProto.Types.DataType.Float, 1L, 1_000_000_000_000L, 8L, 3L);
        Onnx.OnnxModelFile.Save(g.ToModel(), huge);
        var badUrl = new Dictionary<string, string> { ["ONNX_TRANSFER_WEIGHTS_URL"] = "not a url", ["ONNX_TRANSFER_CACHE"] = demo.File("cache-bad-url") };
        var cases = new List<(string[] Args, string Expected, Dictionary<string, string>? Env)>
        {
            (["models", "layers", outside], "leads out of the model's folder", null),
            (["models", "layers", huge], "ONNX Runtime cannot", null),
            (["models", "fetch", "mobilenet"], "ONNX_TRANSFER_WEIGHTS_URL", badUrl),
            (["predict", Run, GoodPhotos[0], "--backbone", demo.File("missing.onnx")], "does not exist", null),
            (["extract", Val, "--model", Backbone, "--threads", "5000", "-o", demo.File("x6")], "--threads 5000", null),
            (["extract", Val, "--model", Backbone, "--input-size", "4096", "-o", demo.File("x7")], "of memory", null),
        };
        if (SharedData.Root is not null)
        {
            string truncated = demo.File("truncated.h5");
            File.WriteAllBytes(truncated, File.ReadAllBytes(SharedData.Models("mobilenet_2_5_224_tf_no_top.h5"))[..8192]); // head -c 8192
            cases.Add((["models", "import", "--keras", truncated, "--arch", "mobilenet", "--alpha", "0.25", "-o", demo.File("t.onnx")], "truncated", null));
        }
        foreach (var (args, expected) in new (string[] Args, string Expected)[]
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
        }) cases.Add((args, expected, null));
        foreach (var (args, expected, env) in cases)
        {
            var r = ChildCli.Run(Limit, null, env, args);
            try { AssertOneLineError(r, expected); }
            catch (Exception e) { throw new Xunit.Sdk.XunitException($"onnx-transfer {string.Join(' ', args)}: {e.Message}\nstderr:\n{r.Error}"); }
        }
    }

    /// <summary>The demo backbone with its largest initializer moved to external data one folder above the model.</summary>
    private string ExternalDataOutside(string dir)
    {
        Directory.CreateDirectory(dir);
        var model = Onnx.OnnxModelFile.Load(Backbone);
        var tensor = model.Graph.Initializer.OrderByDescending(t => t.RawData.Length).First();
        File.WriteAllBytes(Path.Combine(Path.GetDirectoryName(dir)!, "weights.bin"), tensor.RawData.ToByteArray());
        tensor.ExternalData.Add(new Onnx.Proto.StringStringEntryProto { Key = "location", Value = "../weights.bin" });
        tensor.ExternalData.Add(new Onnx.Proto.StringStringEntryProto { Key = "length", Value = tensor.RawData.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        tensor.DataLocation = Onnx.Proto.TensorProto.Types.DataLocation.External;
        tensor.RawData = Google.Protobuf.ByteString.Empty;
        string path = Path.Combine(dir, "model.onnx");
        Onnx.OnnxModelFile.Save(model, path);
        return path;
    }

    [Fact]
    public void Export_into_a_folder_writes_classifier_onnx_there()
    {
        string folder = demo.File("export-folder");
        Directory.CreateDirectory(folder);
        var r = ChildCli.Run(Limit, "export", Run, "-o", folder);
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.True(File.Exists(Path.Combine(folder, "classifier.onnx")));
        var slash = ChildCli.Run(Limit, "export", Run, "-o", demo.File("new-folder") + "/");
        Assert.True(slash.ExitCode == 0, slash.Error);
        Assert.True(File.Exists(demo.File("new-folder", "classifier.onnx")));
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

/// <summary>Layer names come from ONNX graphs and may be anything: a layer sweep's run folders stay inside -o.</summary>
public class SweepFolderTests
{
    [Fact]
    public void Layers_named_like_paths_get_safe_run_folders_inside_the_output()
    {
        using var dir = new TempDir();
        string features = dir.File("features"), runs = dir.File("sweep", "runs");
        string[] layers = ["..", "a/b", "/tmp", "a_b"];
        var rng = new Random(1);
        var rows = new Features.ShardRows(layers.Select(_ => 3).ToArray(), 40);
        for (int r = 0; r < 40; r++)
        {
            rows.Items.Add(new Features.RowKey($"c{r % 2}/{r}.jpg", $"c{r % 2}", r % 2, "train"));
            foreach (var f in rows.Features) for (int i = 0; i < 3; i++) f[r * 3 + i] = (r % 2) * 2 + (float)rng.NextDouble();
        }
        var meta = new Dictionary<string, string>
        {
            [Features.FeatureFormat.ModelHashKey] = "0",
            [Features.FeatureFormat.LayersKey] = JsonSerializer.Serialize(layers),
            [Features.FeatureFormat.FeatureShapesKey] = JsonSerializer.Serialize(layers.ToDictionary(l => l, _ => new[] { 3 })),
        };
        var committed = new Features.FeatureWriter(layers, meta).Write(rows, Path.Combine(features, Features.FeatureFormat.ShardName(0)));
        Features.FeatureSetManifest.WriteRecord(features, new Features.ShardRecord(0, 40, [], committed.Bytes, committed.Sha256));
        File.WriteAllText(Path.Combine(features, Features.FeatureSetManifest.ManifestFile), "{\"images\": 40, \"images_per_shard\": 40}");
        File.WriteAllText(Path.Combine(features, Features.FeatureFormat.ClassesFile), "[\"c0\", \"c1\"]");
        Directory.CreateDirectory(Path.GetDirectoryName(runs)!);
        var before = Directory.GetFileSystemEntries(dir.Path, "*", SearchOption.AllDirectories).Where(p => !p.StartsWith(runs, StringComparison.Ordinal)).Order().ToList();

        var sweep = Cli.Run("train", features, "--sweep-layers", "--epochs", "2", "-o", runs, "--quiet");
        Assert.True(sweep.ExitCode == 0, sweep.Error);
        var after = Directory.GetFileSystemEntries(dir.Path, "*", SearchOption.AllDirectories).Where(p => !p.StartsWith(runs, StringComparison.Ordinal)).Order().ToList();
        Assert.Equal(before, after); // nothing written outside -o
        Assert.Equal(["_tmp", "a_b", "a_b-2", "layer"], Directory.GetDirectories(runs).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(Directory.GetDirectories(runs), d => Assert.True(File.Exists(Path.Combine(d, "head.onnx"))));

        // The summary names each layer's run and the best; predict on the sweep's folder points to that run.
        var summary = HeadTrainer.Export.SweepSummary.TryLoad(runs)!;
        Assert.Equal(layers.Order(StringComparer.Ordinal), summary.Layers.Select(l => l.Layer).Order(StringComparer.Ordinal));
        var best = summary.Layers.OrderByDescending(l => l.Accuracy).ThenBy(l => l.LogLoss).First();
        Assert.Equal((best.Layer, best.Run), (summary.BestLayer, summary.BestRun));
        Assert.Equal(HeadTrainer.Export.HeadSidecar.Load(Path.Combine(runs, best.Run)).Metrics["accuracy"], best.Accuracy);
        Assert.EndsWith($"all layers in {Path.Combine(runs, "sweep.json")}", sweep.Out.TrimEnd());
        var predict = Cli.Run("predict", runs, features);
        Assert.Equal([$"error: '{runs}' is a layer sweep, one run a layer; its best on holdout is layer '{best.Layer}': use '{Path.Combine(runs, best.Run)}'."], predict.ErrorLines);
    }
}
