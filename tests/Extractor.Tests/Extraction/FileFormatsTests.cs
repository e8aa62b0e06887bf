using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Extraction;

/// <summary>Names with commas and quotes survive the list files the tool reads (Delimited's own tests are in Core.Tests).</summary>
public class FileFormatsTests
{
    [Fact]
    public void A_list_line_with_a_comma_in_the_file_name_is_refused_unless_quoted()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("a,b.jpg"), [1]);
        File.WriteAllLines(dir.File("list.txt"), ["a,b.jpg"]);
        var e = Assert.Throws<OnnxTransferException>(() => InputScanner.Scan(dir.File("list.txt")));
        Assert.Contains("line 1 ('a,b.jpg') is ambiguous", e.Message);
        Assert.Contains("\"a,b.jpg\"", e.Message);

        File.WriteAllLines(dir.File("list.txt"), ["\"a,b.jpg\",cats", "\"a \"\"quoted\"\" name.jpg\"", "dir,with,commas/x.jpg,dogs"]);
        var set = InputScanner.Scan(dir.File("list.txt"));
        Assert.Equal([("a \"quoted\" name.jpg", ""), ("a,b.jpg", "cats"), ("dir,with,commas/x.jpg", "dogs")], set.Items.Select(i => (i.RelativePath, i.Label)));

        File.WriteAllLines(dir.File("list.txt"), ["\"unclosed.jpg,cats"]);
        Assert.Contains("a quote is not closed", Assert.Throws<OnnxTransferException>(() => InputScanner.Scan(dir.File("list.txt"))).Message);
    }

    [Fact]
    public void The_pixel_budget_never_holds_more_than_its_limit_and_an_oversized_request_runs_alone()
    {
        var budget = new MemoryBudget(100);
        long held = 0, most = 0;
        var gate = new object();
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            long bytes = i % 50 == 0 ? 250 : 10 + i % 40; // every 50th asks for more than the whole budget
            using var lease = budget.Acquire(bytes);
            lock (gate)
            {
                held += bytes;
                // The budget's bound: within the limit, or a single oversized request with nothing beside it.
                Assert.True(held <= 100 || held == bytes, $"{held} bytes held at once");
                most = Math.Max(most, held);
            }
            Thread.SpinWait(2000);
            lock (gate) held -= bytes;
        });
        Assert.Equal(250, most);
    }
}
