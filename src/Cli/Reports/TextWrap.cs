namespace OnnxTransfer.Cli.Reports;

/// <summary>Word wrap for the console's labelled lines: continuation lines start under the text, not the label.</summary>
internal static class TextWrap
{
    public const int Columns = 80;

    /// <summary><paramref name="label"/> then <paramref name="text"/>, broken at spaces into lines of at most <see cref="Columns"/> (a longer word stays whole).</summary>
    public static string Hanging(string label, string text)
    {
        string indent = new(' ', label.Length);
        var lines = new List<string>();
        var line = new System.Text.StringBuilder(label);
        int start = line.Length;
        foreach (string word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > start && line.Length + 1 + word.Length > Columns)
            {
                lines.Add(line.ToString());
                line.Clear().Append(indent);
            }
            if (line.Length > start) line.Append(' ');
            line.Append(word);
        }
        lines.Add(line.ToString());
        return string.Join(Environment.NewLine, lines);
    }
}
