namespace OnnxTransfer.Bench.Common;

/// <summary>
/// Finds the repository root (the folder holding OnnxTransfer.sln) and the read-only ../shared folder beside it,
/// searching up from the binary (BenchmarkDotNet may run it from a generated sub-folder) and the working directory.
/// </summary>
public static class SharedFiles
{
    private static readonly Lazy<string?> RepositoryDir = new(FindRepository);
    private static readonly Lazy<string?> RootDir = new(() =>
        Repository is null ? null : ExistingDir(Path.GetFullPath(Path.Combine(Repository, "..", "shared"))));

    /// <summary>The repository root, or null when the binary runs outside a checkout (peer scripts are then absent).</summary>
    public static string? Repository => RepositoryDir.Value;

    /// <summary>The shared folder, or null when absent (benchmarks then say "../shared not found").</summary>
    public static string? Root => RootDir.Value;

    /// <summary>A file under shared/models, or null when it is absent.</summary>
    public static string? Model(string file) => Existing(Root is null ? null : Path.Combine(Root, "models", file));

    /// <summary>A folder under shared/datasets, or null when it is absent.</summary>
    public static string? Dataset(string name) => Root is null ? null : ExistingDir(Path.Combine(Root, "datasets", name));

    private static string? Existing(string? path) => path is not null && File.Exists(path) ? path : null;

    private static string? ExistingDir(string path) => Directory.Exists(path) ? path : null;

    private static string? FindRepository()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "OnnxTransfer.sln"))) return dir.FullName;
        }
        return null;
    }
}
