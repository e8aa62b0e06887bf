using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace OnnxTransfer.Bench.Micro;

/// <summary>
/// Few iterations, in process: the whole micro suite must finish in a few minutes on 2 cores, and the
/// work measured (JPEG decode, ONNX Runtime runs of 10 ms to seconds) is far above timer noise.
/// </summary>
public sealed class QuickConfig : ManualConfig
{
    public QuickConfig()
    {
        AddJob(Job.ShortRun
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(2)
            .WithIterationCount(5)
            .WithId("Quick"));
    }
}
