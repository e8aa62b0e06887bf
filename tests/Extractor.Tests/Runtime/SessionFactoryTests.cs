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
}
