using System.CommandLine;
using System.Globalization;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
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

    internal static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>How every models verb names a model's weights; random weights are always flagged.</summary>
    internal static string Weights(OnnxModel model)
    {
        var info = model.Info;
        return info.Weights.Length == 0 ? "unknown (a model not imported by onnx-transfer)" : info.WeightsLabel;
    }

    internal static KerasArch ParseArch(string value) => value.ToLowerInvariant() switch
    {
        "vgg19" => KerasArch.Vgg19,
        "efficientnetb0" => KerasArch.EfficientNetB0,
        "mobilenet" => KerasArch.MobileNet,
        "resnet50" => KerasArch.ResNet50,
        "mobilenetv2" => KerasArch.MobileNetV2,
        _ => throw new OnnxTransferException($"--arch '{value}' is not a built-in architecture; use vgg19, efficientnetb0, mobilenet, resnet50 or mobilenetv2."),
    };
}
