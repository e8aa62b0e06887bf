using OnnxTransfer.Onnx;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Models;

public class OnnxRoundTripTests
{
    [SharedTheory]
    [InlineData("squeezenet1.1-fp16.onnx")]
    [InlineData("mobilenetv2-12-int8.onnx")]
    public void Parse_then_serialize_is_byte_identical_for_real_models(string file)
    {
        byte[] bytes = File.ReadAllBytes(SharedData.Models(file));
        Assert.Equal(bytes, OnnxModelFile.ToBytes(OnnxModelFile.Parse(bytes, file)));
    }

    [Fact]
    public void Parse_then_serialize_is_byte_identical_for_built_graphs()
    {
        byte[] bytes = OnnxModelFile.ToBytes(TinyNets.ConvNet());
        Assert.Equal(bytes, OnnxModelFile.ToBytes(OnnxModelFile.Parse(bytes, "tiny.onnx")));
    }

    public static TheoryData<string> Corruptions => ["truncated", "random", "text"];

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void Corrupt_file_is_a_one_line_error_naming_it(string kind)
    {
        byte[] good = OnnxModelFile.ToBytes(TinyNets.ConvNet());
        byte[] bad = kind switch
        {
            "truncated" => good[..(good.Length / 2)],
            "random" => RandomBytes(4096),
            _ => "ir_version: 8\ngraph { name: 'not binary' }\n"u8.ToArray(),
        };
        using var dir = new TempDir();
        string path = dir.File($"{kind}.onnx");
        File.WriteAllBytes(path, bad);
        var e = Assert.Throws<OnnxTransferException>(() => OnnxModelFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    private static byte[] RandomBytes(int n)
    {
        var b = new byte[n];
        new Random(42).NextBytes(b);
        return b;
    }
}
