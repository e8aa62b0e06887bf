using OnnxTransfer.Extractor.Runtime;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Runtime;

public class SessionFactoryTests
{
    [Fact]
    public void Settings_reach_the_session_options()
    {
        using var defaults = SessionFactory.CpuOptions(new SessionSettings());
        Assert.True(defaults.EnableMemoryPattern); // ORT's own default
        Assert.Equal(CpuCores.Physical, defaults.IntraOpNumThreads);

        using var extractor = SessionFactory.CpuOptions(new SessionSettings { Threads = 3, MemoryPattern = false });
        Assert.False(extractor.EnableMemoryPattern);
        Assert.Equal(3, extractor.IntraOpNumThreads);
    }

    [Fact]
    public void Cuda_options_default_to_onnx_runtimes_and_use_its_names()
    {
        // ORT's defaults (OrtCUDAProviderOptionsV2): EXHAUSTIVE, kNextPowerOfTwo, copies on the compute stream, no limit.
        Assert.Equal(new Dictionary<string, string>
        {
            ["device_id"] = "0", ["cudnn_conv_algo_search"] = "EXHAUSTIVE", ["arena_extend_strategy"] = "kNextPowerOfTwo", ["do_copy_in_default_stream"] = "1",
        }, new CudaOptions().ProviderOptions(0));
        var chosen = new CudaOptions
        {
            ConvAlgoSearch = CudnnConvAlgoSearch.Heuristic, ArenaExtendStrategy = ArenaExtendStrategy.SameAsRequested, GpuMemoryLimit = 8L << 30, CopyInDefaultStream = false,
        };
        Assert.Equal(new Dictionary<string, string>
        {
            ["device_id"] = "2", ["cudnn_conv_algo_search"] = "HEURISTIC", ["arena_extend_strategy"] = "kSameAsRequested", ["do_copy_in_default_stream"] = "0",
            ["gpu_mem_limit"] = "8589934592",
        }, chosen.ProviderOptions(2));
        Assert.Equal("DEFAULT", new CudaOptions { ConvAlgoSearch = CudnnConvAlgoSearch.Default }.ProviderOptions(0)["cudnn_conv_algo_search"]);

        var e = Assert.Throws<OnnxTransferException>(() => new CudaOptions { GpuMemoryLimit = 0 }.Validate());
        Assert.Equal("`GpuMemoryLimit` 0 must be positive bytes, or unset for no limit.", e.Message);
        Assert.Contains("`ConvAlgoSearch` 7", Assert.Throws<OnnxTransferException>(() => new CudaOptions { ConvAlgoSearch = (CudnnConvAlgoSearch)7 }.Validate()).Message);
    }
}
