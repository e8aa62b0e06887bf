using BenchmarkDotNet.Running;
using OnnxTransfer.Bench.EndToEnd;

namespace OnnxTransfer.Bench;

public static class Program
{
    /// <summary>`e2e [options]` runs the end-to-end benchmark; anything else goes to BenchmarkDotNet.</summary>
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "e2e") return await E2eRunner.RunAsync(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
