using System.CommandLine;
using OnnxTransfer.Extractor.Models;
using Spectre.Console;

namespace OnnxTransfer.Cli.Commands;

/// <summary>`onnx-transfer models layers &lt;model&gt; [--input-size N]`: a Keras-style model summary.</summary>
public static class ModelsLayersCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Built-in model name (vgg19, efficientnetb0, mobilenet) or .onnx file." };
        var size = new Option<int?>("--input-size") { Description = "Square input side the output shapes are computed for (default: the model's, usually 224)." };
        var command = new Command("layers", "List a model's layers with output shapes and parameter counts, like Keras model.summary().") { model, size };
        command.SetAction(parse =>
        {
            var proto = ModelZoo.Load(parse.GetValue(model)!);
            var summary = LayerSummary.Of(proto, parse.GetValue(size));
            var table = new Table().AddColumns("Layer (type)", "Output Shape", "Param #");
            table.Columns[2].RightAligned();
            foreach (var row in summary.Rows)
                table.AddRow(new Text($"{row.Name} ({row.Type})"), new Text(row.KerasShape), new Text(ModelsCommand.Count(row.Params)));
            var console = ModelsCommand.Out();
            console.Write(new Text($"Model: {summary.Model}, input {summary.InputSize}x{summary.InputSize}\n"));
            console.Write(table);
            Console.Out.WriteLine($"Total params: {ModelsCommand.Count(summary.TotalParams)}");
            Console.Out.WriteLine($"Weights: {ModelsCommand.Weights(proto)}");
            return 0;
        });
        return command;
    }
}
