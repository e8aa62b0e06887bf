using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Runtime;
using OnnxTransfer.Onnx;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Extraction;

public class DeviceTests
{
    [Theory]
    [InlineData("cpu", DeviceKind.Cpu, 0)]
    [InlineData("CUDA", DeviceKind.Cuda, 0)]
    [InlineData("cuda:1", DeviceKind.Cuda, 1)]
    [InlineData(" auto ", DeviceKind.Auto, 0)]
    public void Parses_device_names(string text, DeviceKind kind, int id) =>
        Assert.Equal(new DeviceSpec(kind, id), DeviceSpec.Parse(text));

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    public void Rejects_unknown_devices(string text) =>
        Assert.Contains("--device cpu, cuda", Assert.Throws<OnnxTransferException>(() => DeviceSpec.Parse(text)).Message);

    [Fact]
    public void Cuda_on_the_cpu_build_fails_with_the_rebuild_hint()
    {
        Assert.False(SessionFactory.IsGpuBuild, "these assertions describe the default CPU build");
        var e = Assert.Throws<OnnxTransferException>(() =>
            new FeatureExtractor(TestModels.TinyConv(), new ExtractionOptions { Device = DeviceSpec.Parse("cuda:0") }));
        Assert.Equal("--device cuda:0: " + SessionFactory.CpuBuildMessage + ".", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Auto_falls_back_to_cpu_and_says_why()
    {
        using var session = SessionFactory.Create(OnnxModelFile.ToBytes(TestModels.TinyConv()),
            new SessionSettings { Device = DeviceSpec.Parse("auto"), Threads = 1 });
        Assert.Equal(DeviceSpec.Cpu, session.Device);
        Assert.Contains("CPU ONNX Runtime package", session.Reason);
    }
}
