using System.Text;
using OnnxTransfer.IO;
using Xunit;

namespace OnnxTransfer.Core.Tests.IO;

/// <summary>
/// TSV and CSV fields survive any file name: escaped TSV fields never hold a tab or line break and unescape back,
/// quoted CSV fields split back; checked on hand-picked names and on random strings made of the awkward characters.
/// </summary>
public class DelimitedTests
{
    // The characters the escaping is about, their escape letters, and some that are not special.
    private const string TsvAlphabet = "\t\n\r\\tnr a\u00e9\u2028";
    private const string CsvAlphabet = ",\"\r\n \tab\u00e9\u00a0";

    private static string RandomString(Random rng, string alphabet, int maxLength)
    {
        var sb = new StringBuilder();
        for (int n = rng.Next(maxLength + 1); n > 0; n--) sb.Append(alphabet[rng.Next(alphabet.Length)]);
        return sb.ToString();
    }

    [Theory]
    [InlineData("plain.jpg")]
    [InlineData("tab\there.jpg")]
    [InlineData("line\nbreak\r\n.jpg")]
    [InlineData("back\\slash\\t.jpg")]
    [InlineData("")]
    public void Tsv_fields_round_trip_and_never_hold_a_tab_or_line_break(string value)
    {
        string field = Delimited.TsvField(value);
        Assert.DoesNotContain('\t', field);
        Assert.DoesNotContain('\n', field);
        Assert.DoesNotContain('\r', field);
        Assert.Equal(value, Delimited.TsvUnescape(field));
    }

    [Theory]
    [InlineData("a\tb", "a\\tb")]
    [InlineData("a\nb\rc", "a\\nb\\rc")]
    [InlineData("a\\tb", "a\\\\tb")] // a backslash and a letter t, not a tab
    [InlineData("end\\", "end\\\\")]
    [InlineData("caf\u00e9 ok", "caf\u00e9 ok")]
    public void Tsv_escapes_are_backslash_letters(string value, string expected) => Assert.Equal(expected, Delimited.TsvField(value));

    [Fact]
    public void Random_tsv_lines_split_on_tabs_and_unescape_to_their_fields()
    {
        var rng = new Random(20);
        for (int trial = 0; trial < 2000; trial++)
        {
            var fields = Enumerable.Range(0, rng.Next(1, 5)).Select(_ => RandomString(rng, TsvAlphabet, 12)).ToArray();
            string line = Delimited.TsvLine(fields);
            Assert.EndsWith("\n", line);
            string body = line[..^1];
            Assert.DoesNotContain('\n', body);
            Assert.DoesNotContain('\r', body);
            Assert.Equal(fields, body.Split('\t').Select(Delimited.TsvUnescape));
        }
    }

    [Theory]
    [InlineData("a.jpg", "a.jpg")]
    [InlineData("a,b.jpg", "\"a,b.jpg\"")]
    [InlineData("say \"hi\".jpg", "\"say \"\"hi\"\".jpg\"")]
    [InlineData(" lead.jpg", "\" lead.jpg\"")]
    [InlineData("cr\r.jpg", "\"cr\r.jpg\"")]
    [InlineData("trail\t", "\"trail\t\"")]
    [InlineData("", "")]
    public void Csv_fields_are_quoted_when_they_must_be_and_split_back(string value, string expected)
    {
        Assert.Equal(expected, Delimited.CsvField(value));
        Assert.Equal([value, "label"], Delimited.CsvSplit(Delimited.CsvField(value) + ",label")!);
    }

    [Fact]
    public void Random_csv_records_split_back_into_their_fields()
    {
        var rng = new Random(4180);
        for (int trial = 0; trial < 2000; trial++)
        {
            var fields = Enumerable.Range(0, rng.Next(1, 6)).Select(_ => RandomString(rng, CsvAlphabet, 10)).ToList();
            string record = string.Join(',', fields.Select(Delimited.CsvField));
            Assert.Equal(fields, Delimited.CsvSplit(record)!);
        }
    }

    [Theory]
    [InlineData("  a , b ,c", new[] { "a", "b", "c" })] // unquoted fields are trimmed
    [InlineData("  \"a\"  , \" b \"", new[] { "a", " b " })] // spaces around quotes are not part of the field
    [InlineData(",", new[] { "", "" })]
    [InlineData("\"x,\"\"y\"\"\",", new[] { "x,\"y\"", "" })]
    public void Csv_lines_written_by_hand_split_as_rfc_4180_says(string line, string[] expected) =>
        Assert.Equal(expected, Delimited.CsvSplit(line)!);

    [Theory]
    [InlineData("\"unclosed")]
    [InlineData("a,\"unclosed,b")]
    [InlineData("\"a\"\"")] // a doubled quote is a quote inside the field, so the field is still open
    [InlineData("\"a\"b,c")] // text after a closing quote
    public void An_unclosed_or_broken_quote_gives_null(string line) => Assert.Null(Delimited.CsvSplit(line));

    [Fact]
    public void Random_records_whose_last_quote_is_cut_off_give_null()
    {
        var rng = new Random(13);
        for (int trial = 0; trial < 1000; trial++)
        {
            var fields = Enumerable.Range(0, rng.Next(0, 4)).Select(_ => RandomString(rng, CsvAlphabet, 10))
                .Append("," + RandomString(rng, CsvAlphabet, 10)); // the comma makes the last field quoted
            string record = string.Join(',', fields.Select(Delimited.CsvField));
            Assert.EndsWith("\"", record);
            Assert.Null(Delimited.CsvSplit(record[..^1]));
        }
    }
}
