using System.Text;

namespace OnnxTransfer.IO;

/// <summary>
/// Fields of the TSV and CSV files the tool writes, escaped so any file name survives: a photo may be called
/// "a,b\tc.jpg" or even hold a line break.
/// <list type="bullet">
/// <item>TSV (errors.tsv, misclassified.tsv): one record per line; in a field, backslash, tab, line feed and carriage
/// return are written \\, \t, \n and \r (the convention of PostgreSQL's text format and of "linear TSV").</item>
/// <item>CSV (predict --format csv, list files): RFC 4180, a field holding a comma, a double quote, a line break or
/// leading or trailing spaces is quoted, with quotes doubled.</item>
/// </list>
/// </summary>
public static class Delimited
{
    public static string TsvField(string value)
    {
        if (value.AsSpan().IndexOfAny("\\\t\n\r") < 0) return value;
        var sb = new StringBuilder(value.Length + 8);
        foreach (char c in value)
            sb.Append(c switch { '\\' => "\\\\", '\t' => "\\t", '\n' => "\\n", '\r' => "\\r", _ => c.ToString() });
        return sb.ToString();
    }

    /// <summary>One TSV line (with its line feed) of escaped fields.</summary>
    public static string TsvLine(params string[] fields) => string.Join('\t', fields.Select(TsvField)) + "\n";

    /// <summary>Reverses <see cref="TsvField"/>.</summary>
    public static string TsvUnescape(string field)
    {
        if (!field.Contains('\\')) return field;
        var sb = new StringBuilder(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            char c = field[i];
            if (c != '\\' || i + 1 == field.Length) { sb.Append(c); continue; }
            char next = field[++i];
            sb.Append(next switch { 't' => '\t', 'n' => '\n', 'r' => '\r', _ => next });
        }
        return sb.ToString();
    }

    public static string CsvField(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 && value.Trim().Length == value.Length ? value : "\"" + value.Replace("\"", "\"\"") + "\"";

    /// <summary>
    /// Splits one CSV record into fields (RFC 4180 quoting; unquoted fields are trimmed); null when a quote is not
    /// closed on the line.
    /// </summary>
    public static List<string>? CsvSplit(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        int i = 0;
        while (true)
        {
            while (i < line.Length && line[i] == ' ') i++;
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length) return null;
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    field.Append(line[i++]);
                }
                while (i < line.Length && line[i] == ' ') i++;
                if (i < line.Length && line[i] != ',') return null;
                fields.Add(field.ToString());
            }
            else
            {
                int comma = line.IndexOf(',', i);
                int stop = comma < 0 ? line.Length : comma;
                fields.Add(line[i..stop].Trim());
                i = stop;
            }
            field.Clear();
            if (i >= line.Length) return fields;
            i++; // the comma
        }
    }
}
