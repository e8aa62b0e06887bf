using System.CommandLine;
using System.Globalization;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;

namespace OnnxTransfer.Cli.Commands;

/// <summary>
/// `onnx-transfer models import`: --keras FILE.h5 --arch A | --random-weights --arch A [--seed N] |
/// --onnx FILE --preprocess P; each with [--input-size N] -o out.onnx.
/// </summary>
public static class ModelsImportCommand
{
    /// <summary>The tool's built-in "mobilenet" is alpha 0.25 (the one whose weights ship widely), so import matches it.</summary>
    private const double DefaultMobileNetAlpha = 0.25;

    /// <summary>MobileNetV2 defaults to Keras' own default, alpha 1.0, as its zoo manifest does.</summary>
    private const double DefaultMobileNetV2Alpha = 1.0;

    public static Command Create()
    {
        var keras = new Option<string?>("--keras") { Description = "Keras save_weights .h5 (keras.applications *_notop.h5) to convert." };
        var random = new Option<bool>("--random-weights") { Description = "Build the architecture with reproducible random weights (tests and timing only)." };
        var onnx = new Option<string?>("--onnx") { Description = "Any image ONNX model to wrap with this tool's input and preprocessing." };
        var arch = new Option<string?>("--arch") { Description = "The Keras architecture (with --keras or --random-weights): " + string.Join(", ", Enum.GetValues<KerasArch>().Select(KerasImporter.ArchitectureName)) + "." };
        var alpha = new Option<double?>("--alpha") { Description = "Width multiplier: mobilenet 0.25 (default), 0.5, 0.75 or 1.0; mobilenetv2 0.35, 0.5, 0.75, 1.0 (default), 1.3 or 1.4." };
        var seed = new Option<int?>("--seed") { Description = "Random-weights seed (default 0); the same seed gives identical bytes." };
        var preprocess = new Option<string?>("--preprocess") { Description = "With --onnx: caffe, tf, torch, bgr255 or none." };
        var size = new Option<int?>("--input-size") { Description = "Square input size recorded in the model (default: the architecture's Keras default, 224 for most; 224 for --onnx)." };
        var output = new Option<string>("--output", "-o") { Description = "The .onnx file to write.", Required = true };
        var command = new Command("import", "Convert Keras weights, build a random-weights model, or wrap a foreign ONNX model.")
        {
            keras, random, onnx, arch, alpha, seed, preprocess, size, output,
        };
        command.SetAction(parse =>
        {
            string? kerasFile = parse.GetValue(keras), onnxFile = parse.GetValue(onnx), archName = parse.GetValue(arch), mode = parse.GetValue(preprocess);
            bool isRandom = parse.GetValue(random);
            double? alphaValue = parse.GetValue(alpha);
            int? seedValue = parse.GetValue(seed);
            int? inputSize = parse.GetValue(size);
            if ((kerasFile != null ? 1 : 0) + (isRandom ? 1 : 0) + (onnxFile != null ? 1 : 0) != 1)
                throw new OnnxTransferException("Pass exactly one of --keras FILE.h5, --random-weights or --onnx FILE.");
            if (seedValue != null && !isRandom)
                throw new OnnxTransferException("--seed only applies to --random-weights.");

            OnnxModel model;
            if (onnxFile != null)
            {
                if (archName != null || alphaValue != null)
                    throw new OnnxTransferException("--arch and --alpha apply to --keras and --random-weights; a foreign --onnx model is imported as is.");
                if (mode == null)
                    throw new OnnxTransferException("--onnx needs --preprocess caffe, tf, torch, bgr255 or none: the preprocessing the model was trained with.");
                model = ForeignModelImporter.Import(onnxFile, new ForeignImportOptions
                {
                    Preprocess = ForeignModelImporter.ParsePreprocess(mode),
                    InputSize = inputSize ?? 224,
                });
            }
            else
            {
                if (archName == null)
                    throw new OnnxTransferException($"{(isRandom ? "--random-weights" : "--keras")} needs --arch ({string.Join(", ", Enum.GetValues<KerasArch>().Select(KerasImporter.ArchitectureName))}).");
                if (mode != null)
                    throw new OnnxTransferException("--preprocess applies to --onnx only; Keras architectures bring their own preprocessing.");
                var kerasArch = ModelsCommand.ParseArch(archName);
                if (alphaValue != null && kerasArch is not (KerasArch.MobileNet or KerasArch.MobileNetV2))
                    throw new OnnxTransferException($"--alpha applies to --arch mobilenet and mobilenetv2 only, not {archName}.");
                var options = new KerasImportOptions
                {
                    Alpha = kerasArch switch
                    {
                        KerasArch.MobileNet => alphaValue ?? DefaultMobileNetAlpha,
                        KerasArch.MobileNetV2 => alphaValue ?? DefaultMobileNetV2Alpha,
                        _ => 1.0,
                    },
                    InputSize = inputSize,
                };
                model = isRandom
                    ? KerasImporter.RandomWeights(kerasArch, options, seedValue ?? 0)
                    : KerasImporter.Import(kerasFile!, kerasArch, options);
            }

            string path = parse.GetValue(output)!;
            model.Save(path);
            var info = model.Info;
            long parameters = info.Layers.Sum(l => l.Params);
            Console.Out.WriteLine(
                $"Wrote {path}: {info.Arch}, {info.Layers.Count} layers, {ModelsCommand.Count(parameters)} params, " +
                $"preprocess {info.Preprocess}, input {info.InputSize.ToString(CultureInfo.InvariantCulture)}");
            Console.Out.WriteLine($"Weights: {ModelsCommand.Weights(model)}");
            return 0;
        });
        return command;
    }
}
