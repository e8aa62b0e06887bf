using Xunit;

namespace OnnxTransfer.Tests;

/// <summary>
/// Locates the read-only ../shared folder (real photos and models) beside the project root.
/// Tests that need it use [SharedFact]/[SharedTheory], which report
/// "skipped: ../shared not found" instead of passing silently when it is absent.
/// </summary>
public static class SharedData
{
    // Before Root, which is found from it (static initializers run in order).
    /// <summary>The project root: the folder above the test binary that has OnnxTransfer.sln.</summary>
    public static string Repo { get; } = FindRepo();

    public static string? Root { get; } = Find();

    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([Root ?? throw new InvalidOperationException("skipped: ../shared not found"), .. parts]);

    public static string Models(string file) => Path("models", file);

    public static string Dataset(string name) => Path("datasets", name);

    private static string? Find()
    {
        // shared/ sits beside the project root.
        string shared = System.IO.Path.GetFullPath(System.IO.Path.Combine(Repo, "..", "shared"));
        return Directory.Exists(shared) ? shared : null;
    }

    private static string FindRepo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "OnnxTransfer.sln"))) return dir.FullName;
        throw new InvalidOperationException("OnnxTransfer.sln not found above the test binaries");
    }
}

public sealed class SharedFactAttribute : FactAttribute
{
    public SharedFactAttribute()
    {
        if (SharedData.Root is null) Skip = "skipped: ../shared not found";
    }
}

public sealed class SharedTheoryAttribute : TheoryAttribute
{
    public SharedTheoryAttribute()
    {
        if (SharedData.Root is null) Skip = "skipped: ../shared not found";
    }
}
