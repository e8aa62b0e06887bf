using System.CommandLine;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;

namespace OnnxTransfer.Cli.Commands;

/// <summary>`onnx-transfer models truncate &lt;model&gt; --layer NAME [--layer NAME2] [--pool none|avg|max] -o out.onnx`.</summary>
public static class ModelsTruncateCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Built-in model name or .onnx file." };
        var layers = new Option<string[]>("--layer") { Description = "Layer whose output becomes a feature output (repeatable).", Required = true };
        var pool = new Option<string>("--pool") { Description = "Global pooling of each 4-D layer: none, avg or max.", DefaultValueFactory = _ => "none" };
        var output = new Option<string>("--output", "-o") { Description = "The truncated .onnx file to write.", Required = true };
        var command = new Command("truncate", "Cut a model at named layers: outputs features.<layer> (NHWC, or [C] when pooled), everything downstream removed.")
        {
            model, layers, pool, output,
        };
        command.SetAction(parse =>
        {
            var mode = GraphTruncator.ParsePool(parse.GetValue(pool)!);
            var proto = ModelZoo.Load(parse.GetValue(model)!);
            var truncated = GraphTruncator.Truncate(proto, parse.GetValue(layers)!, mode);
            string path = parse.GetValue(output)!;
            truncated.Save(path);
            var info = truncated.Info;
            Console.Out.WriteLine($"Wrote {path} (input {info.InputSize}x{info.InputSize}):");
            foreach (var f in info.Features)
                Console.Out.WriteLine($"  {f.Output}  pool {f.Pool}  shape ({string.Join(", ", f.Shape)})");
            Console.Out.WriteLine($"Weights: {ModelsCommand.Weights(truncated)}");
            return 0;
        });
        return command;
    }
}
