namespace OnnxTransfer.Cli.Commands;

/// <summary>
/// The run folder of each layer in a layer sweep: a name made only of letters, digits, '-', '_' and inner dots, so no
/// layer name (an ONNX graph's, e.g. "..", "a/b" or "/etc") can lead outside the sweep's folder; names that would
/// collide get a numbered suffix.
/// </summary>
internal static class LayerFolders
{
    public static Dictionary<string, string> For(IEnumerable<string> layers)
    {
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var folders = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string layer in layers)
        {
            string safe = Safe(layer), name = safe;
            for (int n = 2; !taken.Add(name); n++) name = $"{safe}-{n}";
            folders[layer] = name;
        }
        return folders;
    }

    private static string Safe(string layer)
    {
        var chars = layer.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray();
        string name = new string(chars).Trim('.');
        // Leading dots would hide the folder; "." and ".." would leave it.
        return name.Length == 0 ? "layer" : name;
    }
}
