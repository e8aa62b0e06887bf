using System.Text;

namespace OnnxTransfer.Cli.Reports;

/// <summary>
/// Text and attribute values for a page that is also well-formed XML: markup characters become entities, and control
/// characters (which neither HTML nor XML allows, but a file name may hold) are shown as visible \xNN escapes.
/// </summary>
internal static class HtmlText
{
    public static string Escape(string text)
    {
        var s = new StringBuilder(text.Length);
        foreach (char c in text)
            s.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                // U+FFFE and U+FFFF are not characters in XML either.
                < ' ' or '\u007F' or '\uFFFE' or '\uFFFF' => $"\\x{(int)c:X2}",
                _ => c.ToString(),
            });
        return s.ToString();
    }
}
