using BenchmarkDotNet.Running;
using OnnxTransfer.Bench.Head;

namespace OnnxTransfer.Bench;

public static class Program
{
    /// <summary>`head-quick` prints the SGEMM ratio and an epoch time; anything else goes to BenchmarkDotNet.</summary>
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "head-quick")
        {
            HeadQuickBench.Run(Console.Out);
            return 0;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
