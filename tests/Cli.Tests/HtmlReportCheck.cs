using System.Xml;
using System.Xml.Linq;
using Xunit;

namespace OnnxTransfer.Cli.Tests;

/// <summary>What every report.html must be: well-formed (a strict XML parser reads it), with no script, no external
/// reference and every picture inline.</summary>
internal static class HtmlReportCheck
{
    public static XDocument Parse(string html)
    {
        // The HTML5 doctype is the only DTD-like thing allowed; it is ignored, never fetched.
        using var reader = XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null });
        var doc = XDocument.Load(reader);
        Assert.Equal("html", doc.Root!.Name.LocalName);
        Assert.DoesNotContain(doc.Descendants(), e => e.Name.LocalName is "script" or "link" or "iframe" or "object" or "embed" or "base");
        foreach (var a in doc.Descendants().Attributes())
        {
            Assert.False(a.Name.LocalName.StartsWith("on", StringComparison.Ordinal), $"event handler attribute {a.Name}");
            if (a.Name.LocalName is "src" or "href" or "srcset" or "poster" or "action")
                Assert.True(a.Value.StartsWith("data:image/png;base64,", StringComparison.Ordinal) || a.Value.StartsWith("data:image/jpeg;base64,", StringComparison.Ordinal),
                    $"{a.Name}=\"{a.Value[..Math.Min(60, a.Value.Length)]}\" is not an inline picture");
        }
        string style = string.Concat(doc.Descendants().Where(e => e.Name.LocalName == "style").Select(e => e.Value));
        Assert.DoesNotContain("url(", style, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", style, StringComparison.OrdinalIgnoreCase);
        return doc;
    }

    public static XElement ById(XDocument doc, string id) => doc.Descendants().Single(e => (string?)e.Attribute("id") == id);

    /// <summary>The worst misclassified items the page lists, in its order.</summary>
    public static List<XElement> Items(XDocument doc) => [.. doc.Descendants().Where(e => e.Name.LocalName == "figure" && (string?)e.Attribute("class") == "item")];

    /// <summary>The bytes of an item's thumbnail, or null when it has none.</summary>
    public static byte[]? Thumbnail(XElement item) =>
        item.Descendants().FirstOrDefault(e => e.Name.LocalName == "img") is { } img
            ? Convert.FromBase64String(((string)img.Attribute("src")!)["data:image/jpeg;base64,".Length..])
            : null;
}
