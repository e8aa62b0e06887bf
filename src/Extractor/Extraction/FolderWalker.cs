using OnnxTransfer.IO;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>
/// Walks input folders for the scanner, safely on messy real trees:
/// <list type="bullet">
/// <item>each real folder is read at most once, however many symbolic links lead to it, so a link loop
/// (sub/up -> ..) or a second link to a scanned folder adds nothing, and says so;</item>
/// <item>a file reached twice through links is kept once, under the first path found (in sorted order);</item>
/// <item>a folder that cannot be listed is recorded (it goes to errors.tsv) and the walk goes on;</item>
/// <item>hidden entries (".name") and this tool's own output folders (<see cref="FolderLock.Marks"/>, or a
/// feature set's .progress folder) are not input.</item>
/// </list>
/// Identities are device and inode numbers where <see cref="Posix.IsNative"/>; elsewhere the path with its links resolved.
/// </summary>
internal sealed class FolderWalker(string root, string? excluded)
{
    private const string ProgressFolder = ".progress";

    private readonly Dictionary<string, string> _folders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);
    private readonly List<(string Duplicate, string Kept)> _duplicates = [];
    private readonly Dictionary<string, List<(string Path, bool IsLink, bool IsFolder)>?> _listings = new(StringComparer.Ordinal);
    private readonly string? _excluded = excluded is null ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(excluded));

    /// <summary>Folders that could not be listed (relative path, reason), for errors.tsv.</summary>
    public List<(string Path, string Reason)> Unreadable { get; } = [];

    /// <summary>Things the user should hear about: loops, second links to scanned folders, skipped output folders.</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>Marks the input root as read; call before walking below it.</summary>
    public void Enter() => TryVisit(root, out _);

    /// <summary>The visible sub-folders of <paramref name="dir"/>, sorted, that are input: each real folder once, outputs skipped.</summary>
    public List<string> Folders(string dir)
    {
        var result = new List<string>();
        foreach (var (path, isLink) in Entries(dir, folders: true))
        {
            if (IsOutput(path)) continue;
            if (TryVisit(path, out string seenAs))
            {
                result.Add(path);
                continue;
            }
            string rel = Rel(path);
            // Reaching a folder again from below it is a loop (sub/up -> ..); from elsewhere, a second way in.
            bool loop = seenAs == "." || rel.StartsWith(seenAs + "/", StringComparison.Ordinal);
            Warnings.Add(loop
                ? $"folder link '{rel}' leads back to '{seenAs}', a folder above it (a loop); not followed"
                : $"folder {(isLink ? "link " : "")}'{rel}' is '{seenAs}', already scanned; not followed");
        }
        return result;
    }

    /// <summary>The visible files of <paramref name="dir"/> that <paramref name="keep"/> accepts, sorted, each real file once.</summary>
    public List<string> Files(string dir, Func<string, bool> keep)
    {
        var result = new List<string>();
        foreach (var (path, isLink) in Entries(dir, folders: false))
        {
            if (!keep(path)) continue;
            // A dangling link stays an input: reading it says why it is unusable (errors.tsv). Without inode numbers
            // only links can be second names of a file, so only they are resolved.
            if ((isLink || Posix.IsNative) && Identity(path) is { } identity)
            {
                if (!_files.TryAdd(identity, Rel(path)))
                {
                    _duplicates.Add((Rel(path), _files[identity]));
                    continue;
                }
            }
            result.Add(path);
        }
        return result;
    }

    /// <summary>All input files under <paramref name="dir"/> (recursively) that <paramref name="keep"/> accepts.</summary>
    public List<string> FilesBelow(string dir, Func<string, bool> keep)
    {
        var result = Files(dir, keep);
        foreach (string sub in Folders(dir)) result.AddRange(FilesBelow(sub, keep));
        return result;
    }

    /// <summary>Adds the one warning that sums up files kept once though reached twice.</summary>
    public void Finish()
    {
        if (_duplicates.Count == 0) return;
        var (duplicate, kept) = _duplicates[0];
        Warnings.Add($"{_duplicates.Count} file(s) reached a second time through links were kept once (e.g. '{duplicate}' is '{kept}')");
    }

    private IEnumerable<(string Path, bool IsLink)> Entries(string dir, bool folders)
    {
        // Listed once: files and sub-folders are asked for separately, and a folder that cannot be listed is one error.
        if (!_listings.TryGetValue(dir, out var entries)) _listings[dir] = entries = List(dir);
        foreach (var (path, isLink, isFolder) in entries ?? [])
            if (isFolder == folders) yield return (path, isLink);
    }

    private List<(string Path, bool IsLink, bool IsFolder)>? List(string dir)
    {
        try
        {
            return new DirectoryInfo(dir).EnumerateFileSystemInfos("*", new EnumerationOptions
                {
                    IgnoreInaccessible = false, AttributesToSkip = 0, RecurseSubdirectories = false, ReturnSpecialDirectories = false,
                })
                .Where(e => !e.Name.StartsWith('.'))
                .Select(e => (e.FullName, e.LinkTarget is not null, IsFolder(e)))
                .OrderBy(e => e.FullName, StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Unreadable.Add((Rel(dir), CannotList(dir, e)));
            return null;
        }
    }

    private static bool IsFolder(FileSystemInfo entry) =>
        entry is DirectoryInfo && (entry.LinkTarget is null || Posix.Status(entry.FullName).Kind == FileKind.Directory);

    private static string CannotList(string dir, Exception e) =>
        Path.GetFileName(dir).Contains('\uFFFD')
            ? "cannot list folder: its name is not valid UTF-8, which .NET cannot open; rename it (e.g. with convmv)"
            : $"cannot list folder: {e.Message}";

    private bool IsOutput(string dir)
    {
        if (_excluded is not null && string.Equals(Path.TrimEndingDirectorySeparator(dir), _excluded, StringComparison.Ordinal)) return true;
        if (!FolderLock.Marks(dir) && !Directory.Exists(Path.Combine(dir, ProgressFolder))) return false;
        Warnings.Add($"folder '{Rel(dir)}' is an onnx-transfer output folder; not read as input");
        return true;
    }

    /// <summary>Records <paramref name="dir"/> as read; false when it was read before, then under <paramref name="seenAs"/> (relative).</summary>
    private bool TryVisit(string dir, out string seenAs)
    {
        string identity = Identity(dir) ?? Path.GetFullPath(dir), rel = Rel(dir);
        if (_folders.TryAdd(identity, rel))
        {
            seenAs = rel;
            return true;
        }
        seenAs = _folders[identity];
        return false;
    }

    /// <summary>Device and inode where native, elsewhere the path with its links resolved; null when nothing is there (a dangling link).</summary>
    private static string? Identity(string path)
    {
        if (!Posix.IsNative) return File.Exists(path) || Directory.Exists(path) ? Resolve(path) : null;
        var status = Posix.Status(path);
        return status.Kind == FileKind.Missing ? null : $"{status.Device}:{status.Inode}";
    }

    /// <summary>The path with every symbolic link in it resolved.</summary>
    private static string Resolve(string path)
    {
        string full = Path.GetFullPath(path);
        string? parent = Path.GetDirectoryName(full);
        if (parent is null) return full;
        string resolvedParent = Resolve(parent);
        string here = Path.Combine(resolvedParent, Path.GetFileName(full));
        var info = new FileInfo(here);
        return info.LinkTarget is null ? here : Resolve(Path.GetFullPath(info.LinkTarget, resolvedParent));
    }

    private string Rel(string path) => InputScanner.Rel(root, path);
}
