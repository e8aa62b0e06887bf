using System.CommandLine;

namespace OnnxTransfer.Cli.Commands;

/// <summary>`onnx-transfer models ...`: list, layers, truncate, import, fetch.</summary>
public static class ModelsCommand
{
    public static Command Create()
    {
        var models = new Command("models", "Import, inspect, truncate and fetch backbone models.");
        return models;
    }
}
