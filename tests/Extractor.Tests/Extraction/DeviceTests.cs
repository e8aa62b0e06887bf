using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Runtime;
using OnnxTransfer.Onnx;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Extraction;

/// <summary>
/// CUDA and auto on whatever build this is: the default CPU build, a -p:OrtGpuApi=true build (the CUDA
/// code on the CPU package: CUDA must fail cleanly) or a -p:OrtGpu=true build (CUDA runs where the
/// machine has it). Set ONNXTRANSFER_REQUIRE_CUDA=1 on a GPU machine so that a CUDA failure fails the tests.
/// </summary>
public class DeviceTests
{
    private static readonly DeviceSpec Cuda0 = new(DeviceKind.Cuda, 0);
    private static readonly DeviceSpec Auto = new(DeviceKind.Auto);

    // TinyConv's conv outputs reach about 5 on 0-255 pixels, sums of 27 taps; ORT's CUDA default is TF32
    // convolutions (10 mantissa bits), which puts them about 1e-3 off: 2e-2 allows that but not a wrong result.
    private const float CudaTolerance = 2e-2f;

    private static bool CudaRequired => Environment.GetEnvironmentVariable("ONNXTRANSFER_REQUIRE_CUDA") == "1";

    private static byte[] Model => OnnxModelFile.ToBytes(TestModels.TinyConv());

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
        Assert.Contains("`Device` cpu, cuda", Assert.Throws<OnnxTransferException>(() => DeviceSpec.Parse(text)).Message);

    [Fact]
    public void Cuda_runs_like_the_cpu_or_fails_with_a_one_line_fix()
    {
        var options = new ExtractionOptions { Device = Cuda0, Threads = 1 };
        if (!SessionFactory.IsGpuBuild)
        {
            var e = Assert.Throws<OnnxTransferException>(() => new FeatureExtractor(TestModels.TinyConv(), options));
            Assert.Equal("`Device` cuda:0: " + SessionFactory.CpuBuildMessage + ".", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            return;
        }

        ModelSession cuda;
        try
        {
            cuda = SessionFactory.Create(Model, new SessionSettings { Device = Cuda0, Threads = 1 });
        }
        catch (OnnxTransferException e) when (!CudaRequired || !SessionFactory.HasCudaProvider)
        {
            AssertCudaFailure(e.Message);
            Assert.Equal(e.Message, Assert.Throws<OnnxTransferException>(() => new FeatureExtractor(TestModels.TinyConv(), options)).Message);
            return;
        }
        // The CPU package's native library has no CUDA provider, so a session there is a bug.
        Assert.True(SessionFactory.HasCudaProvider, "a CUDA session on ONNX Runtime's CPU package");
        using (cuda)
        {
            Assert.Equal(Cuda0, cuda.Device);
            Assert.Equal("requested", cuda.Reason);
            using var cpu = SessionFactory.Create(Model, new SessionSettings { Threads = 1 });
            AssertSameOutputs(cpu, cuda, CudaTolerance);
        }
        AssertExtractsLikeCpu(Cuda0, Cuda0, CudaTolerance);
    }

    [Fact]
    public void Cuda_on_a_missing_device_id_fails_with_a_one_line_fix()
    {
        if (!SessionFactory.IsGpuBuild)
        {
            var e = Assert.Throws<OnnxTransferException>(() => SessionFactory.CheckAvailable(new DeviceSpec(DeviceKind.Cuda, 1000)));
            Assert.Equal("`Device` cuda:1000: " + SessionFactory.CpuBuildMessage + ".", e.Message);
            return;
        }
        var failure = Assert.Throws<OnnxTransferException>(() =>
            SessionFactory.Create(Model, new SessionSettings { Device = new DeviceSpec(DeviceKind.Cuda, 1000), Threads = 1 }));
        AssertCudaFailure(failure.Message, "cuda:1000");
    }

    [Fact]
    public void Auto_picks_cuda_or_falls_back_to_cpu_and_says_why()
    {
        using var session = SessionFactory.Create(Model, new SessionSettings { Device = Auto, Threads = 1 });
        using var cpu = SessionFactory.Create(Model, new SessionSettings { Threads = 1 });
        if (!SessionFactory.IsGpuBuild)
        {
            Assert.Equal(DeviceSpec.Cpu, session.Device);
            Assert.Contains("CPU ONNX Runtime package", session.Reason);
            AssertSameOutputs(cpu, session, 0);
            AssertExtractsLikeCpu(Auto, DeviceSpec.Cpu, 0);
            return;
        }
        if (session.Device == DeviceSpec.Cpu)
        {
            Assert.False(CudaRequired && SessionFactory.HasCudaProvider, $"auto fell back to CPU: {session.Reason}");
            Assert.StartsWith("CUDA unavailable: ", session.Reason);
            Assert.DoesNotContain('\n', session.Reason);
            if (!SessionFactory.HasCudaProvider) Assert.Equal("CUDA unavailable: ONNX Runtime's CPU package is loaded", session.Reason);
            AssertSameOutputs(cpu, session, 0);
            AssertExtractsLikeCpu(Auto, DeviceSpec.Cpu, 0);
            return;
        }
        Assert.True(SessionFactory.HasCudaProvider, "auto chose CUDA on ONNX Runtime's CPU package");
        Assert.Equal(Cuda0, session.Device);
        Assert.Equal("CUDA available", session.Reason);
        AssertSameOutputs(cpu, session, CudaTolerance);
        AssertExtractsLikeCpu(Auto, Cuda0, CudaTolerance);
    }

    /// <summary>
    /// One line that names the device, what is missing and the ways out. On the CPU package (a -p:OrtGpuApi=true build)
    /// it says so and how to build; CudaErrorsTests checks the texts for missing CUDA libraries.
    /// </summary>
    private static void AssertCudaFailure(string message, string device = "cuda:0")
    {
        Assert.DoesNotContain('\n', message);
        Assert.StartsWith($"Cannot use `Device` {device}: ", message);
        Assert.EndsWith("or use `Device` cpu.", message);
        if (!SessionFactory.HasCudaProvider)
        {
            Assert.StartsWith($"Cannot use `Device` {device}: ONNX Runtime's CPU package is loaded (", message);
            Assert.Contains("); build with -p:OrtGpu=true (the Microsoft.ML.OnnxRuntime.Gpu.Linux package)", message);
        }
        else
            Assert.True(message.Contains("the device id exists", StringComparison.Ordinal) || message.Contains("LD_LIBRARY_PATH", StringComparison.Ordinal)
                        || message.Contains(CudaErrors.ProviderLibrary, StringComparison.Ordinal), message);
    }

    /// <summary>
    /// Random 0-255 input through a BatchRunner on each session (on CUDA that is the IO-binding path),
    /// a full batch and a short one; every output within <paramref name="tolerance"/> of the reference.
    /// </summary>
    private static void AssertSameOutputs(ModelSession reference, ModelSession actual, float tolerance)
    {
        long[] item = [16, 16, 3];
        string[] outputs = ["conv_nhwc", "gap"];
        var shapes = BatchRunner.ProbeOutputShapes(reference, "image", item, outputs);
        Assert.Equal(shapes, BatchRunner.ProbeOutputShapes(actual, "image", item, outputs));
        using var expected = new BatchRunner(reference, "image", item, outputs, shapes, batchSize: 4);
        using var got = new BatchRunner(actual, "image", item, outputs, shapes, batchSize: 4);
        var random = new Random(11);
        foreach (int count in new[] { 4, 3 })
        {
            for (int i = 0; i < expected.Input.Length; i++) expected.Input[i] = got.Input[i] = (float)(random.NextDouble() * 255);
            expected.Run(count);
            got.Run(count);
            for (int o = 0; o < outputs.Length; o++)
            {
                int n = count * (int)BatchRunner.Product(shapes[o]);
                Assert.Contains(expected.Outputs[o].Take(n), v => v != 0);
                for (int k = 0; k < n; k++) Assert.Equal(expected.Outputs[o][k], got.Outputs[o][k], tolerance);
            }
        }
    }

    /// <summary>A whole extraction on <paramref name="device"/> runs on <paramref name="expectedDevice"/> and writes the CPU's features.</summary>
    private static void AssertExtractsLikeCpu(DeviceSpec device, DeviceSpec expectedDevice, float tolerance)
    {
        using var input = new TempDir();
        using var cpuOut = new TempDir();
        using var deviceOut = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 3);
        ExtractionOptions Options(DeviceSpec d) => new() { ModelName = "tiny", Device = d, BatchSize = 4, DecodeWorkers = 2, Threads = 1 };
        using (var cpu = new FeatureExtractor(TestModels.TinyConv(), Options(DeviceSpec.Cpu)))
            cpu.ExtractAsync(input.Path, cpuOut.Path).GetAwaiter().GetResult();
        using (var extractor = new FeatureExtractor(TestModels.TinyConv(), Options(device)))
        {
            Assert.Equal(expectedDevice, extractor.Device);
            var summary = extractor.ExtractAsync(input.Path, deviceOut.Path).GetAwaiter().GetResult();
            Assert.Equal(expectedDevice.ToString(), summary.Device);
            Assert.Equal((12, 0), (summary.RowsWritten, summary.Errors));
        }
        var expected = TestData.ReadWithDuckDb(cpuOut.Path, "conv", "gap");
        var got = TestData.ReadWithDuckDb(deviceOut.Path, "conv", "gap");
        Assert.Equal(expected.Select(r => r.Path), got.Select(r => r.Path));
        for (int r = 0; r < expected.Count; r++)
            for (int l = 0; l < 2; l++)
            {
                Assert.Equal(expected[r].Features[l].Length, got[r].Features[l].Length);
                for (int k = 0; k < expected[r].Features[l].Length; k++)
                    Assert.Equal(expected[r].Features[l][k], got[r].Features[l][k], tolerance);
            }
    }
}
