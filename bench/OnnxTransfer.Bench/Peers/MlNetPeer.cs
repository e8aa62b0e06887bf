using System.Globalization;
using System.Text.Json;
using OnnxTransfer.Bench.Common;

namespace OnnxTransfer.Bench.Peers;

/// <summary>
/// Builds and runs bench/peers/mlnet (ML.NET's image pipeline and trainers) in its own process: it needs SkiaSharp 2.88,
/// which cannot share a process with the 3.x this repository's extractor loads. It is not in OnnxTransfer.sln, so it is
/// built here with `dotnet build` (a no-op once up to date). Every failure comes back as a one-line problem for the report.
/// </summary>
public static class MlNetPeer
{
    private const string Project = "bench/peers/mlnet/OnnxTransfer.MlNetPeer.csproj";
    private static readonly Lazy<(string? Dll, string? Problem)> Built = new(Build);

    /// <summary>The peer's report over the extraction in <paramref name="features"/> (photos under <paramref name="input"/>), or why there is none.</summary>
    public static (MlNetReport? Report, string? Problem) Run(string features, string input, int threads, int warmup,
                                                              IReadOnlyList<string> variants, IReadOnlyList<string> trainings)
    {
        if (Built.Value.Problem is { } problem) return (null, problem);
        string[] args = [Built.Value.Dll!, "--features", features, "--input", input, "--threads", I(threads), "--warmup", I(warmup),
                         "--variants", string.Join(',', variants), .. trainings.Count > 0 ? new[] { "--train", string.Join(',', trainings) } : []];
        var (exit, output, errors) = Execute("dotnet", args);
        if (exit != 0) return (null, $"ML.NET peer exited {exit}: {errors.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "(no output)"}");
        return (JsonSerializer.Deserialize<MlNetReport>(output.Trim().Split('\n')[^1]), null);
    }

    private static (string? Dll, string? Problem) Build()
    {
        if (SharedFiles.Repository is not { } repo) return (null, "ML.NET peer not run: the repository (bench/peers/mlnet) was not found");
        string project = Path.Combine(repo, Project);
        Console.Error.WriteLine($"[mlnet] dotnet build {Project} -c Release");
        var (exit, output, errors) = Execute("dotnet", "build", project, "-c", "Release", "-nologo", "-v", "q");
        if (exit != 0) return (null, $"ML.NET peer did not build (dotnet build {Project} -c Release exited {exit}): {LastError(output + errors)}");
        return (Path.Combine(Path.GetDirectoryName(project)!, "bin", "Release", "net10.0", "OnnxTransfer.MlNetPeer.dll"), null);
    }

    private static (int Exit, string Output, string Errors) Execute(string program, params string[] args) => PeerProcess.Run(program, null, args);

    /// <summary>The build's last error line (rather than its summary), or its last line.</summary>
    private static string LastError(string text) =>
        text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase))
        ?? text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "(no output)";

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
