using System.Text.Json;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Extractor.Runtime;
using OnnxTransfer.Features;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Extraction;

public class ThreadDefaultsTests
{
    [Theory]
    [InlineData("0", 1)]
    [InlineData("0-1\n", 2)]
    [InlineData("0,8", 2)]
    [InlineData("0-3,8-11", 8)]
    public void Linux_cpu_lists_are_counted(string list, int count) => Assert.Equal(count, CpuCores.CountCpuList(list));

    [Fact]
    public void Physical_cores_divide_the_logical_ones()
    {
        Assert.InRange(CpuCores.Physical, 1, Environment.ProcessorCount);
        Assert.Equal(0, Environment.ProcessorCount % CpuCores.Physical);
    }

    [Fact]
    public async Task Defaults_give_ort_a_thread_per_physical_core_and_the_decoders_every_idle_core_and_the_summary_records_them()
    {
        using var input = new TempDir();
        using var output = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 3);
        using var extractor = new FeatureExtractor(TestModels.TinyConv(), new ExtractionOptions { BatchSize = 4 });
        Assert.Equal(CpuCores.Physical, extractor.OrtThreads);
        // Idle-priority decoders may use every core; at normal priority only the cores ORT leaves free.
        Assert.Equal(IdlePriority.Available ? Environment.ProcessorCount : Math.Max(1, Environment.ProcessorCount - CpuCores.Physical),
                     extractor.DecodeWorkers);

        await extractor.ExtractAsync(input.Path, output.Path);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output.Path, FeatureFormat.SummaryFile)));
        Assert.Equal(extractor.OrtThreads, summary.RootElement.GetProperty("ort_threads").GetInt32());
        Assert.Equal(extractor.DecodeWorkers, summary.RootElement.GetProperty("decode_workers").GetInt32());
        Assert.Equal(FeatureExtractor.DecoderPriority, summary.RootElement.GetProperty("decoder_priority").GetString());
        Assert.Equal(JpegDecoders.Describe(JpegDecoder.Auto), summary.RootElement.GetProperty("jpeg_decoder").GetString());
    }

    [Fact]
    public async Task Features_do_not_depend_on_the_ort_thread_count_or_the_jpeg_decoder()
    {
        // A machine with more cores gets more ORT threads by default; the features must not change with it.
        using var input = new TempDir();
        using var a = new TempDir();
        using var b = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 4);
        var decoder = JpegDecoders.LibjpegTurboAvailable ? JpegDecoder.LibjpegTurbo : JpegDecoder.Auto;
        foreach (var (dir, threads, jpeg) in new[] { (a.Path, 1, JpegDecoder.Skia), (b.Path, 3, decoder) })
        {
            using var extractor = new FeatureExtractor(TestModels.TinyConv(), new ExtractionOptions { BatchSize = 4, Threads = threads, JpegDecoder = jpeg });
            await extractor.ExtractAsync(input.Path, dir);
        }
        Assert.Equal(TestData.Shards(a.Path).Select(p => (p.Key, p.Value.Hash)), TestData.Shards(b.Path).Select(p => (p.Key, p.Value.Hash)));
    }
}
