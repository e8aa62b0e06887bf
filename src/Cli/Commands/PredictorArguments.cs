using System.CommandLine;
using OnnxTransfer.Extractor.Runtime;
using OnnxTransfer.Inference;

namespace OnnxTransfer.Cli.Commands;

/// <summary>The options every verb that runs a classifier shares (predict, evaluate).</summary>
internal sealed class PredictorArguments
{
    public Argument<string> Model { get; } = new("model") { Description = "Training run directory (onnx-transfer train -o) or a classifier .onnx from onnx-transfer export." };

    public Option<string> Device { get; } = new("--device") { Description = "cpu, cuda, cuda:<id> or auto.", DefaultValueFactory = _ => "auto" };

    public Option<int> Threads { get; } = new("--threads") { Description = "ONNX Runtime intra-op threads (0: one per physical core).", DefaultValueFactory = _ => 0 };

    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Images per ONNX Runtime run.", DefaultValueFactory = _ => 32 };

    public Option<string?> Backbone { get; } = new("--backbone") { Description = "Use this backbone .onnx instead of the run's copy (must be the same model, by SHA-256)." };

    public Option<int> TopK { get; } = new("--top-k") { Description = "How many classes to report per image / for top-k accuracy.", DefaultValueFactory = _ => 5 };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "No progress bar." };

    public CudaArguments Cuda { get; } = new();

    public void AddTo(Command command)
    {
        command.Arguments.Add(Model);
        foreach (Option o in new Option[] { Device, Threads, BatchSize, Backbone, TopK, Quiet }.Concat(Cuda.All)) command.Options.Add(o);
    }

    public Predictor Open(ParseResult parse)
    {
        var predictor = Predictor.Open(parse.GetValue(Model)!, new PredictorOptions
        {
            Device = DeviceSpec.Parse(parse.GetValue(Device)!),
            Threads = parse.GetValue(Threads),
            BatchSize = parse.GetValue(BatchSize),
            BackbonePath = parse.GetValue(Backbone),
            Cuda = Cuda.Parse(parse),
        });
        if (predictor.Backbone.RandomWeights)
            Console.Error.WriteLine($"note: the backbone has {predictor.Backbone.WeightsLabel}.");
        if (parse.GetValue(Device) == "auto")
            Console.Error.WriteLine($"using {predictor.Device}: {predictor.DeviceReason}");
        return predictor;
    }
}
