using System.CommandLine;
using OnnxTransfer.Inference;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;

namespace OnnxTransfer.Cli.Commands;

/// <summary>`onnx-transfer export RUN -o model.onnx`: backbone + head as one ONNX file.</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("run") { Description = "Training run directory (onnx-transfer train -o)." };
        var output = new Option<string>("--output", "-o") { Description = "The .onnx file to write, or an existing folder to write classifier.onnx into.", Required = true };
        var command = new Command("export", "Write one ONNX classifier: image float32 [N,H,W,3] RGB 0-255 -> class probabilities, class names in its metadata.")
        {
            run, output,
        };
        command.SetAction(parse =>
        {
            var model = ChainExporter.Export(RunDirectory.Open(parse.GetValue(run)!));
            string path = parse.GetValue(output)!;
            // A folder (existing, or written with a trailing slash) gets the file's default name.
            if (Directory.Exists(path) || path.EndsWith('/') || path.EndsWith(Path.DirectorySeparatorChar)) path = Path.Combine(path, DefaultFileName);
            model.Save(path);
            var info = model.Info;
            Console.WriteLine($"wrote {path}: input '{ModelInfo.ImageInput}' float32 [N,{info.InputSize},{info.InputSize},3] RGB 0-255, " +
                              $"output '{ChainExporter.HeadOutput}' [N,{info.Classes.Count}] ({string.Join(", ", info.Classes)}); weights: {info.WeightsLabel}");
            // The graph starts at the resized pixels, so a consumer must resize as training did; said for Pillow's
            // modes especially, whose exact bytes no ONNX Resize reproduces.
            if (info.Interpolation.StartsWith("pil-", StringComparison.Ordinal))
                Console.WriteLine($"the graph expects images already resized to {info.InputSize}x{info.InputSize} by Pillow ({info.Resize}, {info.Interpolation}, " +
                                  "as `onnx-transfer extract` did, recorded in its metadata); it does not resize");
            return 0;
        });
        return command;
    }

    public const string DefaultFileName = "classifier.onnx";
}
