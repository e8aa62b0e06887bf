using System.CommandLine;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Extractor.Runtime;

namespace OnnxTransfer.Cli.Commands;

/// <summary>The CUDA provider's flags (<see cref="CudaOptions"/>), for every verb that runs a backbone: extract, predict, evaluate.</summary>
internal sealed class CudaArguments
{
    private static readonly CudaOptions Defaults = new();

    public CudaArguments()
    {
        ConvAlgoSearch.AcceptOnlyFromAmong([.. Enum.GetValues<CudnnConvAlgoSearch>().Select(v => OptionNames.Name(v))]);
        ArenaExtend.AcceptOnlyFromAmong([.. Enum.GetValues<ArenaExtendStrategy>().Select(v => OptionNames.Name(v))]);
    }

    public Option<string> ConvAlgoSearch { get; } = new("--cudnn-conv-algo-search")
    {
        Description = "On CUDA: how cuDNN picks each convolution's algorithm: exhaustive (times them all on the first batch; ONNX Runtime's default), heuristic or default.",
        DefaultValueFactory = _ => OptionNames.Name(Defaults.ConvAlgoSearch),
    };

    public Option<string> ArenaExtend { get; } = new("--gpu-arena-extend")
    {
        Description = "On CUDA: how ONNX Runtime's GPU memory arena grows: next-power-of-two (its default) or same-as-requested.",
        DefaultValueFactory = _ => OptionNames.Name(Defaults.ArenaExtendStrategy),
    };

    public Option<string?> MemoryLimit { get; } = new("--gpu-mem-limit") { Description = "On CUDA: the most GPU memory ONNX Runtime's arena may take (e.g. 8GB); default no limit." };

    public IEnumerable<Option> All => [ConvAlgoSearch, ArenaExtend, MemoryLimit];

    public CudaOptions Parse(ParseResult parse) => new()
    {
        ConvAlgoSearch = OptionNames.Parse<CudnnConvAlgoSearch>(parse.GetValue(ConvAlgoSearch)!),
        ArenaExtendStrategy = OptionNames.Parse<ArenaExtendStrategy>(parse.GetValue(ArenaExtend)!),
        GpuMemoryLimit = parse.GetValue(MemoryLimit) is { } limit ? ByteSize.Parse(limit, "--gpu-mem-limit") : null,
    };
}
