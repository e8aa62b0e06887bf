using System.Text;

namespace OnnxTransfer.Bench.EndToEnd;

/// <summary>A GitHub-flavoured markdown table, readable as plain text on the console too.</summary>
public sealed class MarkdownTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public MarkdownTable Add(params object[] cells)
    {
        if (cells.Length != headers.Length) throw new ArgumentException($"Expected {headers.Length} cells, got {cells.Length}.");
        _rows.Add(cells.Select(c => Convert.ToString(c, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToArray());
        return this;
    }

    public override string ToString()
    {
        var all = _rows.Prepend(headers).ToList();
        int[] widths = headers.Select((_, i) => all.Max(r => r[i].Length)).ToArray();
        var sb = new StringBuilder();
        void Line(string[] cells) => sb.Append("| ").AppendJoin(" | ", cells.Select((c, i) => c.PadRight(widths[i]))).Append(" |\n");
        Line(headers);
        sb.Append('|').AppendJoin('|', widths.Select(w => new string('-', w + 2))).Append("|\n");
        foreach (var r in _rows) Line(r);
        return sb.ToString();
    }
}
