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

    /// <summary>The architecture named the way `models list` and the importer name it (vgg19, efficientnetb3, mobilenet, ...).</summary>
    internal static KerasArch ParseArch(string value) =>
        Enum.GetValues<KerasArch>().Select(a => (KerasArch?)a).FirstOrDefault(a => string.Equals(KerasImporter.ArchitectureName(a!.Value), value, StringComparison.OrdinalIgnoreCase))
        ?? throw new OnnxTransferException(
            $"--arch '{value}' is not a built-in architecture; use {string.Join(", ", Enum.GetValues<KerasArch>().Select(KerasImporter.ArchitectureName))}.");

}
