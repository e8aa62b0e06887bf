using OnnxTransfer.IO;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>
/// Reads a list file of "path[,label]" lines; blank lines and lines starting with '#' are skipped. A path that holds a
/// comma or starts or ends with spaces is quoted as in CSV ("a,b.jpg",label, with "" for a quote inside).
/// <list type="bullet">
/// <item>Paths are relative to the list file's folder, or to an <c>images</c> folder beside it when that is
/// where the first listed image is (Food-101: meta/train.txt lists images/apple_pie/1005649.jpg).</item>
/// <item>A path without an image extension names the first existing file with one (Food-101 lists
/// "apple_pie/1005649"); if there is none the path is kept as listed, and its error says so.</item>
/// <item>When no line has a label and a <c>classes.txt</c> beside the list names the first folder of every
/// path (Food-101's meta/classes.txt), that folder is the label and all of its classes are the class
/// list, so train.txt and test.txt give the same label indices.</item>
/// <item>A list named train, val, valid, validation or test (any extension) sets the split of its images.</item>
/// </list>
/// </summary>
internal static class ListFileScanner
{
    private const string ClassesFile = "classes.txt";
    private const string ImagesFolder = "images";

    private sealed record Line(string Path, string Label);

    public static InputSet Scan(string listFile)
    {
        string listDir = Path.GetDirectoryName(listFile)!;
        string name = Path.GetFileName(listFile);
        var lines = Read(listFile);
        var warnings = new List<string>();
        var notes = new List<string>();

        string root = listDir;
        string siblingImages = Path.GetFullPath(Path.Combine(listDir, "..", ImagesFolder));
        bool firstInListDir = Find(listDir, lines[0].Path) is not null;
        if (!firstInListDir && Directory.Exists(siblingImages) && Find(siblingImages, lines[0].Path) is not null)
        {
            root = siblingImages;
            notes.Add($"paths relative to {InputScanner.Rel(listDir, siblingImages)}");
        }
        else if (!firstInListDir)
            // Said before the run, so a wrong folder is not found out image by image in errors.tsv.
            warnings.Add($"the first image {name} lists, '{lines[0].Path}', is not in {listDir}: paths in a list file are relative to its " +
                         $"folder (or to an '{ImagesFolder}' folder beside it, as in Food-101)");

        var folderClasses = lines.All(l => l.Label.Length == 0) ? FolderClasses(listDir, name, lines, warnings) : null;
        if (folderClasses is not null) notes.Add($"labels from class folders named in {ClassesFile}");
        var classes = new SortedSet<string>(folderClasses ?? lines.Select(l => l.Label).Where(l => l.Length > 0), StringComparer.Ordinal);

        string split = InputScanner.SplitOf(Path.GetFileNameWithoutExtension(listFile)) ?? "";
        var entries = lines.Select(l =>
        {
            string full = Resolve(root, l.Path);
            return (InputScanner.Rel(root, full), full, folderClasses is null ? l.Label : FirstFolder(l.Path)!, split);
        }).ToList();
        string layout = $"list file {name}" + (notes.Count > 0 ? $" ({string.Join("; ", notes)})" : "") + (split.Length > 0 ? $", split {split}" : "");
        return InputScanner.Build(root, entries, classes, warnings, layout);
    }

    private static List<Line> Read(string listFile)
    {
        var lines = new List<Line>();
        int lineNo = 0;
        foreach (string raw in File.ReadLines(listFile))
        {
            lineNo++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var (path, label) = Parse(line, listFile, lineNo);
            if (path.Length == 0)
                throw new OnnxTransferException($"List file '{listFile}' line {lineNo} has no path; write one 'path[,label]' per line.");
            lines.Add(new Line(path, label));
        }
        if (lines.Count == 0) throw new OnnxTransferException($"List file '{listFile}' lists no images.");
        return lines;
    }

    /// <summary>
    /// One line's path and label. A line with double quotes is a CSV record (RFC 4180: "a,b.jpg",label); otherwise the
    /// label follows the last comma, so an unquoted path may hold commas when a label follows. A label that ends like
    /// an image file is refused: "a,b.jpg" is a file name with a comma far more often than path "a" labelled "b.jpg".
    /// </summary>
    private static (string Path, string Label) Parse(string line, string listFile, int lineNo)
    {
        if (line.Contains('"'))
        {
            var fields = Delimited.CsvSplit(line);
            if (fields is not { Count: 1 or 2 })
                throw new OnnxTransferException(
                    $"List file '{listFile}' line {lineNo} is not a 'path[,label]' record ({(fields is null ? "a quote is not closed" : $"{fields.Count} fields")}): {line}");
            return (fields[0], fields.Count == 2 ? fields[1] : "");
        }
        int comma = line.LastIndexOf(',');
        if (comma < 0) return (line, "");
        string label = line[(comma + 1)..].Trim();
        if (InputScanner.ImageExtensions.Contains(Path.GetExtension(label)))
            throw new OnnxTransferException(
                $"List file '{listFile}' line {lineNo} ('{line}') is ambiguous: a label cannot end in {Path.GetExtension(label)}; if it is one path with a comma, quote it: \"{line}\"");
        return (line[..comma].Trim(), label);
    }

    /// <summary>The existing file <paramref name="path"/> names under <paramref name="root"/>, trying each image extension when it has none; null when there is none.</summary>
    private static string? Find(string root, string path)
    {
        string full = Path.GetFullPath(Path.Combine(root, path));
        if (File.Exists(full)) return full;
        return InputScanner.ImageExtensions.Contains(Path.GetExtension(path)) ? null
            : InputScanner.ExtensionOrder.Select(e => full + e).FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// The file of a listed image: as listed when it has an image extension (not looked up, so a long list
    /// costs no file lookups; a missing one is reported when it is read), else what <see cref="Find"/> finds.
    /// </summary>
    private static string Resolve(string root, string path)
    {
        string full = Path.GetFullPath(Path.Combine(root, path));
        return InputScanner.ImageExtensions.Contains(Path.GetExtension(path)) ? full : Find(root, path) ?? full;
    }

    /// <summary>The class names of a classes.txt beside the list when it names the first folder of every path; else null.</summary>
    private static List<string>? FolderClasses(string listDir, string listName, List<Line> lines, List<string> warnings)
    {
        string file = Path.Combine(listDir, ClassesFile);
        if (!File.Exists(file)) return null;
        var names = File.ReadLines(file).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var known = new HashSet<string>(names, StringComparer.Ordinal);
        var stray = lines.FirstOrDefault(l => FirstFolder(l.Path) is not { } folder || !known.Contains(folder));
        if (stray is null) return names;
        warnings.Add($"{ClassesFile} beside {listName} does not name the folder of '{stray.Path}', so its images are unlabelled; " +
                     "write 'path,label' lines to label them");
        return null;
    }

    /// <summary>The first folder of a relative path ("apple_pie" of "apple_pie/1005649"), or null when it has none.</summary>
    private static string? FirstFolder(string path)
    {
        int slash = path.IndexOfAny(['/', '\\']);
        return slash > 0 ? path[..slash] : null;
    }
}
