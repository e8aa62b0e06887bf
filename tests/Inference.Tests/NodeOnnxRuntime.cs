using System.Diagnostics;
using System.Text.Json;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Tests;

namespace OnnxTransfer.Inference.Tests;

/// <summary>
/// onnxruntime-node (another ONNX Runtime build and binding), installed by npm into a cache folder on first use and run
/// through bench/peers/run_photos_node.mjs. Without node or npm, or with the registry unreachable, the calling test
/// fails with the reason: a second runtime that did not run must not pass.
/// </summary>
internal static class NodeOnnxRuntime
{
    private const string Package = "onnxruntime-node@1.30.0";
    private static readonly Lock InstallLock = new();

    /// <summary>Runs <paramref name="model"/> on each photo; returns onnxruntime-node's version and one probability row per photo.</summary>
    public static (string Version, List<float[]> Probabilities) Run(string model, IReadOnlyList<DecodedPhoto> photos, string scratch)
    {
        string installed = Install();
        Directory.CreateDirectory(scratch);
        var list = photos.Select((p, i) =>
        {
            File.WriteAllBytes(Path.Combine(scratch, $"{i}.rgb"), p.Rgb);
            return new { file = $"{i}.rgb", width = p.Width, height = p.Height };
        }).ToList();
        string listFile = Path.Combine(scratch, "photos.json");
        File.WriteAllText(listFile, JsonSerializer.Serialize(list));
        string script = Path.Combine(SharedData.Repo, "bench", "peers", "run_photos_node.mjs");
        string json = Execute("node", installed, script, model, listFile);
        using var doc = JsonDocument.Parse(json);
        var rows = doc.RootElement.GetProperty("probabilities").EnumerateArray()
            .Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToList();
        return (doc.RootElement.GetProperty("version").GetString()!, rows);
    }

    // Installed once per machine (about 290 MB, 7 s), into a temporary folder renamed into place, so an interrupted
    // install is never taken for a finished one.
    private static string Install()
    {
        string cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        string folder = Path.Combine(cache, "onnx-transfer-tests", Package.Replace('@', '-'));
        lock (InstallLock)
        {
            if (Directory.Exists(Path.Combine(folder, "node_modules", "onnxruntime-node"))) return folder;
            string partial = folder + ".partial-" + Environment.ProcessId;
            Directory.CreateDirectory(partial);
            Execute("npm", partial, "install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", partial, Package);
            try { Directory.Move(partial, folder); }
            catch (IOException) when (Directory.Exists(folder)) { Directory.Delete(partial, recursive: true); } // another test run finished first
            return folder;
        }
    }

    private static string Execute(string program, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) start.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"the onnxruntime-node check needs {program} on PATH: {e.Message}", e);
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed (exit {process.ExitCode}): {stderr.Result}");
            return stdout;
        }
    }
}
