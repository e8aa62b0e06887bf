namespace OnnxTransfer.Cli.Demo;

/// <summary>
/// The demo's output folder. The demo is meant to be run again (after `models fetch`, with another seed), so it
/// replaces what an earlier demo wrote there; a folder holding anything else is refused rather than touched.
/// </summary>
internal sealed class DemoFolder
{
    /// <summary>Everything the demo writes, each a direct child of its folder.</summary>
    internal static readonly string[] Outputs = ["data", "features", "run", "evaluation", "classifier.onnx"];

    private DemoFolder(string root, bool earlier) => (Root, HadEarlierDemo) = (root, earlier);

    public string Root { get; }

    /// <summary>Whether an earlier demo's outputs were there (and are now gone).</summary>
    public bool HadEarlierDemo { get; }

    public string Data => Path.Combine(Root, "data");
    public string Features => Path.Combine(Root, "features");
    public string Run => Path.Combine(Root, "run");
    public string Evaluation => Path.Combine(Root, "evaluation");
    public string Classifier => Path.Combine(Root, "classifier.onnx");

    /// <summary>
    /// Creates <paramref name="root"/>, or empties it of an earlier demo's outputs (the generated photos only when
    /// <paramref name="keepData"/> is false, since with --data the demo wrote none).
    /// </summary>
    /// <exception cref="OnnxTransferException">The folder holds something the demo does not write.</exception>
    public static DemoFolder Prepare(string root, bool keepData)
    {
        if (File.Exists(root)) throw new OnnxTransferException($"Demo folder '{root}' is a file; give --output a folder.");
        var entries = Directory.Exists(root) ? Directory.EnumerateFileSystemEntries(root).Select(e => Path.GetFileName(e)!).Order(StringComparer.Ordinal).ToList() : [];
        if (entries.FirstOrDefault(e => !Outputs.Contains(e, StringComparer.Ordinal)) is { } foreign)
            throw new OnnxTransferException(
                $"Demo folder '{root}' holds '{foreign}', which no demo writes; choose another --output (a demo replaces only an earlier demo's {string.Join(", ", Outputs)}).");
        foreach (string entry in entries.Where(e => !(keepData && e == "data")))
        {
            string path = Path.Combine(root, entry);
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else File.Delete(path);
        }
        Directory.CreateDirectory(root);
        return new DemoFolder(root, entries.Count > 0);
    }
}
