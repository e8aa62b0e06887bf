using System.CommandLine;
using System.Globalization;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx.Proto;
using Spectre.Console;

namespace OnnxTransfer.Cli.Commands;

/// <summary>`onnx-transfer models ...`: list, layers, truncate, import, fetch.</summary>
public static class ModelsCommand
{
    public static Command Create()
    {
        var models = new Command("models", "Import, inspect, truncate and fetch backbone models.");
        models.Subcommands.Add(ModelsListCommand.Create());
        models.Subcommands.Add(ModelsLayersCommand.Create());
        models.Subcommands.Add(ModelsTruncateCommand.Create());
        models.Subcommands.Add(ModelsImportCommand.Create());
        models.Subcommands.Add(ModelsFetchCommand.Create());
        return models;
    }

    /// <summary>A Spectre console on the current Console.Out (not the process-wide AnsiConsole, which
    /// keeps the writer it first saw), so redirected output goes where the caller pointed it.</summary>
    internal static IAnsiConsole Out() =>
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });

    internal static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>How every models verb names a model's weights; random weights are always flagged.</summary>
    internal static string Weights(ModelProto model)
    {
        var info = ModelInfo.Read(model);
        return info.Weights.Length == 0 ? "unknown (a model not imported by onnx-transfer)" : info.WeightsLabel;
    }

    internal static KerasArch ParseArch(string value) => value.ToLowerInvariant() switch
    {
        "vgg19" => KerasArch.Vgg19,
        "efficientnetb0" => KerasArch.EfficientNetB0,
        "mobilenet" => KerasArch.MobileNet,
        _ => throw new OnnxTransferException($"--arch '{value}' is not a built-in architecture; use vgg19, efficientnetb0 or mobilenet."),
    };
}
