namespace OnnxTransfer.Extractor.Extraction;

/// <summary>
/// Finds the images of an input: a folder laid out as Keras flow_from_directory expects (one sub-folder
/// per class, optionally under train/val/test split folders), a flat folder of images (unlabelled), or
/// a list file of "path[,label]" lines with paths relative to the list file's folder.
/// </summary>
public static class InputScanner
{
    /// <summary>File extensions taken as images (case-insensitive); Keras's list plus WebP.</summary>
    public static IReadOnlySet<string> ImageExtensions { get; } =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp" };

    private static readonly Dictionary<string, string> SplitNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["train"] = "train", ["val"] = "val", ["valid"] = "val", ["validation"] = "val", ["test"] = "test",
    };

    public static InputSet Scan(string input)
    {
        string full = Path.GetFullPath(input);
        if (File.Exists(full)) return ScanListFile(full);
        if (!Directory.Exists(full))
            throw new OnnxTransferException($"Input '{input}' does not exist; pass an image folder or a list file of path[,label] lines.");

        var warnings = new List<string>();
        var subdirs = Visible(Directory.EnumerateDirectories(full)).ToList();
        var topImages = Images(full, SearchOption.TopDirectoryOnly).ToList();
        var entries = new List<(string Rel, string Full, string Label, string Split)>();
        var classes = new SortedSet<string>(StringComparer.Ordinal);

        if (subdirs.Count == 0)
        {
            // A flat folder: unlabelled images.
            entries.AddRange(topImages.Select(f => (Rel(full, f), f, "", "")));
        }
        else
        {
            if (topImages.Count > 0)
                warnings.Add($"{topImages.Count} image(s) directly in '{input}' are ignored: with class folders present, only images inside them are used");
            bool splitLayout = subdirs.All(d => SplitNames.ContainsKey(Path.GetFileName(d)));
            var splits = splitLayout
                ? subdirs.Select(d => (Dir: d, Split: SplitNames[Path.GetFileName(d)]))
                : [(Dir: full, Split: "")];
            foreach (var (dir, split) in splits)
            {
                foreach (var classDir in Visible(Directory.EnumerateDirectories(dir)))
                {
                    string label = Path.GetFileName(classDir);
                    classes.Add(label);
                    var files = Images(classDir, SearchOption.AllDirectories).ToList();
                    if (files.Count == 0) warnings.Add($"class folder '{Rel(full, classDir)}' has no images");
                    entries.AddRange(files.Select(f => (Rel(full, f), f, label, split)));
                }
            }
        }
        if (entries.Count == 0)
            throw new OnnxTransferException($"No images (.jpg, .jpeg, .png, .bmp, .gif, .webp) found under '{input}'.");
        return Build(full, entries, classes, warnings);
    }

    private static InputSet ScanListFile(string listFile)
    {
        string root = Path.GetDirectoryName(listFile)!;
        var entries = new List<(string, string, string, string)>();
        var classes = new SortedSet<string>(StringComparer.Ordinal);
        int lineNo = 0;
        foreach (string raw in File.ReadLines(listFile))
        {
            lineNo++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int comma = line.LastIndexOf(',');
            string path = (comma < 0 ? line : line[..comma]).Trim();
            string label = comma < 0 ? "" : line[(comma + 1)..].Trim();
            if (path.Length == 0)
                throw new OnnxTransferException($"List file '{listFile}' line {lineNo} has no path; write one 'path[,label]' per line.");
            string fullPath = Path.GetFullPath(Path.Combine(root, path));
            if (label.Length > 0) classes.Add(label);
            entries.Add((Rel(root, fullPath), fullPath, label, ""));
        }
        if (entries.Count == 0) throw new OnnxTransferException($"List file '{listFile}' lists no images.");
        return Build(root, entries, classes, []);
    }

    private static InputSet Build(string root, List<(string Rel, string Full, string Label, string Split)> entries,
                                  SortedSet<string> classes, List<string> warnings)
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
        return new InputSet { Root = root, Items = items, Classes = classList, Warnings = warnings };
    }

    private static IEnumerable<string> Images(string dir, SearchOption option) =>
        Visible(Directory.EnumerateFiles(dir, "*", new EnumerationOptions
        {
            RecurseSubdirectories = option == SearchOption.AllDirectories,
            IgnoreInaccessible = false,
            AttributesToSkip = FileAttributes.Hidden,
        })).Where(f => ImageExtensions.Contains(Path.GetExtension(f)));

    private static IEnumerable<string> Visible(IEnumerable<string> paths) =>
        paths.Where(p => !Path.GetFileName(p).StartsWith('.'));

    private static string Rel(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');
}
