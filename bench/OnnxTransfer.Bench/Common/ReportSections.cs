using System.Text.RegularExpressions;

namespace OnnxTransfer.Bench.Common;

/// <summary>
/// BENCHMARKS.md is e2e's report plus sections other benchmarks own, each between `&lt;!-- begin NAME --&gt;` and
/// `&lt;!-- end NAME --&gt;` with the command that made it: e2e keeps them when it rewrites the file, and a benchmark
/// replaces only its own. So each number stays beside the command that measured it, and no run edits another's.
/// </summary>
public static partial class ReportSections
{
    /// <summary>The owned sections of <paramref name="path"/> (empty when it does not exist), in order, markers included.</summary>
    public static IReadOnlyList<string> Owned(string path) =>
        File.Exists(path) ? [.. Section().Matches(File.ReadAllText(path)).Select(m => m.Value)] : [];

    /// <summary>Writes <paramref name="report"/> to <paramref name="path"/>, followed by the owned sections the file had.</summary>
    public static void WriteKeepingOwned(string path, string report)
    {
        var owned = Owned(path);
        File.WriteAllText(path, owned.Count == 0 ? report : report.TrimEnd() + "\n\n" + string.Join("\n\n", owned) + "\n");
    }

    /// <summary>Puts <paramref name="markdown"/> as section <paramref name="name"/> of <paramref name="path"/>: in place of the old one, or at the end.</summary>
    public static void Replace(string path, string name, string markdown)
    {
        string block = $"<!-- begin {name} -->\n{markdown.TrimEnd()}\n<!-- end {name} -->";
        string text = File.Exists(path) ? File.ReadAllText(path) : "";
        var old = Section().Matches(text).FirstOrDefault(m => m.Groups["name"].Value == name);
        text = old is null ? text.TrimEnd() + "\n\n" + block + "\n" : text[..old.Index] + block + text[(old.Index + old.Length)..];
        File.WriteAllText(path, text);
    }

    // Markers count only on lines of their own: the report's prose names them too (`<!-- begin NAME -->`), and once
    // that sentence was taken for a section called NAME and moved to the end.
    [GeneratedRegex(@"^<!-- begin (?<name>[\w-]+) -->$.*?^<!-- end \k<name> -->$", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex Section();
}
