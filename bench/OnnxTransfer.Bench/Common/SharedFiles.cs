namespace OnnxTransfer.Bench.Common;

/// <summary>
/// Finds the read-only ../shared folder beside the repository root (the folder holding OnnxTransfer.sln),
/// searching up from the binary (BenchmarkDotNet may run it from a generated sub-folder) and the working directory.
/// </summary>
public static class SharedFiles
{
    private static readonly Lazy<string?> RootDir = new(Find);

    /// <summary>The shared folder, or null when absent (benchmarks then say "../shared not found").</summary>
    public static string? Root => RootDir.Value;

    /// <summary>A file under shared/models, or null when it is absent.</summary>
    public static string? Model(string file) => Existing(Root is null ? null : Path.Combine(Root, "models", file));

    /// <summary>A folder under shared/datasets, or null when it is absent.</summary>
    public static string? Dataset(string name) =>
        Root is null ? null : Directory.Exists(Path.Combine(Root, "datasets", name)) ? Path.Combine(Root, "datasets", name) : null;

    private static string? Existing(string? path) => path is not null && File.Exists(path) ? path : null;

    private static string? Find()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                if (!File.Exists(Path.Combine(dir.FullName, "OnnxTransfer.sln"))) continue;
                string shared = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
                return Directory.Exists(shared) ? shared : null;
            }
        }
        return null;
    }
}
