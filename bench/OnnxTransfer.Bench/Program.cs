using BenchmarkDotNet.Running;
using OnnxTransfer.Bench.EndToEnd;
using OnnxTransfer.Bench.Head;
using OnnxTransfer.Bench.Peers;

namespace OnnxTransfer.Bench;

public static class Program
{
    /// <summary>
    /// `e2e [options]` runs the end-to-end benchmark that writes BENCHMARKS.md; `head-quick` prints the
    /// SGEMM ratio and epoch times, ours and PyTorch's on the same rows; `stream-food101` trains the Food-101-sized
    /// head on a synthetic set streamed within 2 GB (StreamingBench); `augment-views` trains heads on cached augmented
    /// views of real photos (AugmentBench); `predict-vs-extract` times predict and evaluate against extract on the same
    /// photos and model; `mlnet` measures ML.NET's image pipeline and trainers against extract and
    /// train (MlNetBench; `mlnet-ours-child` is its fresh process for our side); `features-csv` and
    /// `image-tensors` prepare inputs for the peer scripts; `cold-start-child` is e2e's own fresh process
    /// for the cold-start figures; anything else goes to BenchmarkDotNet.
    /// </summary>
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "e2e") return await E2eRunner.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == ColdStartBench.ChildVerb) return await ColdStartBench.RunChildAsync(args[1..]);
        if (args.Length > 0 && args[0] == "features-csv") return FeaturesCsv.Run(args[1..]);
        if (args.Length > 0 && args[0] == "stream-food101") return StreamingBench.Run(args[1..]);
        if (args.Length > 0 && args[0] == "linear-probe") return LinearProbeBench.Run(args[1..]);
        if (args.Length > 0 && args[0] == StreamingBench.ChildVerb) return StreamingBench.RunEpochChild(args[1..]);
        if (args.Length > 0 && args[0] == "mlnet") return MlNetBench.Run(args[1..]);
        if (args.Length > 0 && args[0] == MlNetOursChild.Verb) return await MlNetOursChild.RunChildAsync(args[1..]);
        if (args.Length > 0 && args[0] == "image-tensors") return ImageTensors.Run(args[1..]);
        if (args.Length > 0 && args[0] == "augment-views") return AugmentBench.Run(args[1..]);
        if (args.Length > 0 && args[0] == "predict-vs-extract") return PredictVsExtractBench.Run(args[1..]);
        if (args.Length > 0 && args[0] == "head-quick")
        {
            HeadQuickBench.Run(Console.Out);
            return 0;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
