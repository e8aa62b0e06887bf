namespace OnnxTransfer.Extractor.Extraction;

/// <summary>
/// Finds the images of an input: a folder laid out as Keras flow_from_directory expects (one sub-folder
/// per class, optionally under train/val/test split folders), a flat folder of images (unlabelled), or
/// a list file of "path[,label]" lines (see <see cref="ListFileScanner"/>).
/// </summary>
public static class InputScanner
{
    /// <summary>Image file extensions, most common first; Keras's list plus WebP.</summary>
    internal static readonly string[] ExtensionOrder = [".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp"];

    /// <summary>File extensions taken as images (case-insensitive).</summary>
    public static IReadOnlySet<string> ImageExtensions { get; } = new HashSet<string>(ExtensionOrder, StringComparer.OrdinalIgnoreCase);

    private static readonly Dictionary<string, string> SplitNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["train"] = "train", ["val"] = "val", ["valid"] = "val", ["validation"] = "val", ["test"] = "test",
    };

    /// <summary>Scans <paramref name="input"/>: a folder or a list file.</summary>
    /// <param name="input">The folder or list file.</param>
    /// <param name="excludedFolder">A folder that is never input, though it may lie inside the input folder: the run's own output.</param>
    public static InputSet Scan(string input, string? excludedFolder = null)
    {
        string full = Path.GetFullPath(input);
        if (File.Exists(full)) return ListFileScanner.Scan(full);
        if (!Directory.Exists(full))
            throw new OnnxTransferException($"Input '{input}' does not exist; pass an image folder or a list file of path[,label] lines.");

        var walker = new FolderWalker(full, excludedFolder);
        walker.Enter();
        var warnings = new List<string>();
        var subdirs = walker.Folders(full);
        if (walker.Unreadable.Count > 0 && walker.Unreadable[0].Path == ".")
            throw new OnnxTransferException($"Input folder '{input}' cannot be read ({walker.Unreadable[0].Reason}); check its permissions.");
        var topImages = walker.Files(full, IsImage);
        var entries = new List<(string Rel, string Full, string Label, string Split)>();
        var classes = new SortedSet<string>(StringComparer.Ordinal);

        string layout;
        if (subdirs.Count == 0)
        {
            // A flat folder: unlabelled images.
            entries.AddRange(topImages.Select(f => (Rel(full, f), f, "", "")));
            layout = "flat folder, unlabelled";
        }
        else
        {
            if (topImages.Count > 0)
                warnings.Add($"{topImages.Count} image(s) directly in '{input}' are ignored: with class folders present, only images inside them are used");
            bool splitLayout = subdirs.All(d => SplitNames.ContainsKey(Path.GetFileName(d)));
            // A class-folder tree that is itself named train/val/test is that split, as a list file so named is: so the
            // train/ and val/ of a dataset extracted separately keep their roles when trained on together.
            string ownSplit = splitLayout ? "" : SplitOf(Path.GetFileName(Path.TrimEndingDirectorySeparator(full))) ?? "";
            var splits = splitLayout
                ? subdirs.Select(d => (Dir: d, Split: SplitNames[Path.GetFileName(d)], ClassDirs: walker.Folders(d)))
                : [(Dir: full, Split: ownSplit, ClassDirs: subdirs)];
            foreach (var (dir, split, classDirs) in splits)
            {
                foreach (var classDir in classDirs)
                {
                    string label = Path.GetFileName(classDir);
                    classes.Add(label);
                    var files = walker.FilesBelow(classDir, IsImage);
                    if (files.Count == 0) warnings.Add($"class folder '{Rel(full, classDir)}' has no images");
                    entries.AddRange(files.Select(f => (Rel(full, f), f, label, split)));
                }
            }
            layout = splitLayout ? $"class folders under split folders ({string.Join(", ", subdirs.Select(Path.GetFileName).Order(StringComparer.Ordinal))})"
                : ownSplit.Length > 0 ? $"class folders, split '{ownSplit}' (the folder's name)" : "class folders";
        }
        walker.Finish();
        warnings.InsertRange(0, walker.Warnings);
        if (walker.Unreadable.Count > 0)
            warnings.Add($"{walker.Unreadable.Count} folder(s) could not be read and are listed in errors.tsv (e.g. '{walker.Unreadable[0].Path}': {walker.Unreadable[0].Reason})");
        if (entries.Count == 0)
            throw new OnnxTransferException($"No images (.jpg, .jpeg, .png, .bmp, .gif, .webp) found under '{input}'.");
        return Build(full, entries, classes, warnings, layout, walker.Unreadable);
    }

    /// <summary>The split a folder or list file named <paramref name="name"/> holds ("valid" and "validation" are "val"), or null.</summary>
    internal static string? SplitOf(string name) => SplitNames.GetValueOrDefault(name);

    internal static InputSet Build(string root, List<(string Rel, string Full, string Label, string Split)> entries,
                                   SortedSet<string> classes, List<string> warnings, string layout, IReadOnlyList<(string Path, string Reason)>? unreadable = null)
    {
        var classList = classes.ToList();
        var index = classList.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        var items = entries
            .OrderBy(e => e.Rel, StringComparer.Ordinal)
            .Select(e => new InputItem(e.Rel, e.Full, e.Label, e.Label.Length == 0 ? -1 : index[e.Label], e.Split))
            .ToList();
        var duplicate = items.Zip(items.Skip(1)).FirstOrDefault(p => p.First.RelativePath == p.Second.RelativePath);
        if (duplicate != default)
            throw new OnnxTransferException($"'{duplicate.First.RelativePath}' is listed twice; each image must appear once.");
        return new InputSet
        {
            Root = root, Items = items, Classes = classList, Warnings = warnings, Unreadable = unreadable ?? [],
            Layout = $"{layout}: {items.Count:N0} image{(items.Count == 1 ? "" : "s")}" + (classList.Count > 0 ? $", {classList.Count} classes" : ""),
        };
    }

    private static bool IsImage(string path) => ImageExtensions.Contains(Path.GetExtension(path));

    /// <summary>A path relative to the root, '/'-separated (on Linux a backslash is part of a file name, not a separator).</summary>
    public static string Rel(string root, string path) => Slashes(Path.GetRelativePath(root, path));

    private static string Slashes(string path) => Path.DirectorySeparatorChar == '\\' ? path.Replace('\\', '/') : path;
}
