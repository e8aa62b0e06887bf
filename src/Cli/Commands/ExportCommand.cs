using System.CommandLine;
using OnnxTransfer.Extractor.Imaging;
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
        var input = new Option<string>("--input")
        {
            Description = "raw: the graph takes a decoded photo of any size (uint8 [N,H,W,3] RGB) and crops and resizes it as training did; " +
                          "fixed: it takes images already resized (float32 [N,S,S,3] RGB 0-255).",
            DefaultValueFactory = _ => "raw",
        };
        input.AcceptOnlyFromAmong("raw", "fixed");
        var command = new Command("export", "Write one ONNX classifier: image -> class probabilities, class names and the input contract in its metadata.")
        {
            run, output, input,
        };
        command.SetAction(parse =>
        {
            var options = new ExportOptions { Input = OptionNames.Parse<ExportInput>(parse.GetValue(input)!) };
            var model = ChainExporter.Export(RunDirectory.Open(parse.GetValue(run)!), options);
            string path = parse.GetValue(output)!;
            // A folder (existing, or written with a trailing slash) gets the file's default name.
            if (Directory.Exists(path) || path.EndsWith('/') || path.EndsWith(Path.DirectorySeparatorChar)) path = Path.Combine(path, DefaultFileName);
            model.Save(path);
            var info = model.Info;
            string crop = info.Resize == "center-crop" ? "centre-cropped to the largest square and " : "";
            string takes = info.TakesRawPhotos
                ? $"uint8 [N,H,W,3] RGB, a decoded upright photo of any size (N photos of one size), {crop}resized to {info.InputSize}x{info.InputSize} ({info.Interpolation}) in the graph"
                : $"float32 [N,{info.InputSize},{info.InputSize},3] RGB 0-255, already {crop}resized ({info.Interpolation}); the graph does not resize";
            Console.WriteLine($"wrote {path}: input '{ModelInfo.ImageInput}' {takes}, " +
                              $"output '{ChainExporter.HeadOutput}' [N,{info.Classes.Count}] ({string.Join(", ", info.Classes)}); weights: {info.WeightsLabel}");
            return 0;
        });
        return command;
    }

    public const string DefaultFileName = "classifier.onnx";
}
