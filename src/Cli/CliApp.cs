using System.CommandLine;
using OnnxTransfer.Cli.Commands;

namespace OnnxTransfer.Cli;

/// <summary>The onnx-transfer command tree: one verb per command class in Commands/.</summary>
public static class CliApp
{
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("onnx-transfer: transfer learning on images with ONNX Runtime.");
        root.Subcommands.Add(ModelsCommand.Create());
        root.Subcommands.Add(ExtractCommand.Create());
        root.Subcommands.Add(FeaturesCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        return root;
    }
}
