using System.CommandLine;
using System.Globalization;
using OnnxTransfer.Cli.Demo;
using OnnxTransfer.Cli.Reports;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.Inference;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using Spectre.Console;

namespace OnnxTransfer.Cli.Commands;

/// <summary>
/// `onnx-transfer demo`: the whole pipeline (extract, train, evaluate, predict, export) on data that
/// ships with the tool (generated), offline, in a few minutes on two cores.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--output", "-o") { Description = "Folder for everything the demo writes.", DefaultValueFactory = _ => "onnx-transfer-demo" };
        var data = new Option<string?>("--data") { Description = "Use this labelled image folder (class sub-folders, ideally under train/ and val/) instead of generated images." };
        var arch = new Option<string>("--model") { Description = "Backbone architecture: efficientnetb0, mobilenet or vgg19.", DefaultValueFactory = _ => "efficientnetb0" };
        arch.AcceptOnlyFromAmong("efficientnetb0", "mobilenet", "vgg19");
        var offline = new Option<bool>("--offline") { Description = "Do not try to download real weights." };
        var seed = new Option<int>("--seed") { Description = "Seed for generated images, random weights and training.", DefaultValueFactory = _ => 0 };
        var command = new Command("demo", "Run the whole pipeline on generated data and report where everything is.") { output, data, arch, offline, seed };
        command.SetAction(async (parse, ct) =>
        {
            var started = DateTime.UtcNow;
            string root = Path.GetFullPath(parse.GetValue(output)!);
            string archName = parse.GetValue(arch)!;
            int seedValue = parse.GetValue(seed);
            Directory.CreateDirectory(root);

            Step("1/6 data");
            string images = parse.GetValue(data) ?? Path.Combine(root, "data");
            if (parse.GetValue(data) is null)
            {
                SyntheticTextures.Generate(images, trainPerClass: 60, valPerClass: 20, seedValue);
                Console.WriteLine($"generated {SyntheticTextures.Classes.Length * 80} images ({string.Join(", ", SyntheticTextures.Classes)}) in {images}");
            }

            Step("2/6 backbone");
            var (model, why) = await DemoBackbone.LoadAsync(archName, parse.GetValue(offline), seedValue, ct);
            string layer = DemoBackbone.FeatureLayer(archName);
            Terminal.Out.MarkupLine($"{archName}: [bold]{Markup.Escape(why)}[/]");
            var truncated = GraphTruncator.Truncate(model, [layer], PoolMode.Avg);

            Step($"3/6 extract {layer} (avg pooled)");
            string features = Path.Combine(root, "features");
            using (var extractor = new FeatureExtractor(truncated, new ExtractionOptions { ModelName = archName }))
            {
                extractor.Warning += Terminal.Warn;
                var s = await extractor.ExtractAsync(images, features, null, ct);
                // A rerun resumes the earlier extraction; its rate then covers only the images processed now.
                string rate = s.ProcessedImages > 0 ? $"{s.ImagesPerSecond:F1} images/s" : "nothing left to extract";
                Console.WriteLine($"{s.ImagesIn} images -> {s.RowsWritten} rows, {s.Errors} errors" +
                                  (s.ResumedImages > 0 ? $" ({s.ResumedImages} done by an earlier run)" : "") + $", {rate} on {s.Device} " +
                                  $"({s.OrtThreads} ORT thread(s), {s.DecodeWorkers} decoder thread(s) at {s.DecoderPriority} priority); {s.JpegDecoder}");
                JpegAdvice.Once(extractor.JpegDecoderAdvice);
            }

            Step("4/6 train BatchNorm-Dropout-Dense head (Adam 1e-3, early stopping on val_loss)");
            string run = Path.Combine(root, "run");
            var trainer = new Trainer(new TrainerOptions
            {
                Head = HeadSpec.Parse("bn-dropout"), Optimizer = OptimizerKind.Adam, LearningRate = 1e-3f,
                // The head's BatchNormalization (Keras momentum 0.99) needs ~100 steps, ~17 epochs of 180 images in
                // batches of 32, before its moving statistics and so val_loss mean anything: with patience 5 a
                // random-weight run could stop at epoch 6 on chance accuracy (measured, mobilenet --seed 1).
                Epochs = 100, Patience = 15, Seed = (ulong)seedValue,
            });
            trainer.Warning += Terminal.Warn;
            trainer.EpochCompleted += m => Console.WriteLine(EpochLine.Format(m, trainer.Options.Epochs, scheduled: false));
            var trained = trainer.Train(FeatureSet.Load(features), run, ct);
            RunPictures.Save(trained, trainer.Options.RestoreBest);

            Step("5/6 evaluate and predict");
            using var predictor = Predictor.FromRunDirectory(run);
            var scanned = InputScanner.Scan(images);
            bool hasVal = scanned.Items.Any(i => i.Split == FeatureSet.Val);
            var evaluation = Evaluator.Evaluate(predictor, images, scanned, hasVal ? FeatureSet.Val : null, cancellation: ct);
            Console.WriteLine($"accuracy {evaluation.Report.Accuracy:P1} on {evaluation.Report.Samples} {(hasVal ? "validation" : "")} images, {evaluation.Misclassified.Count} misclassified");
            foreach (var sample in scanned.Items.Where(i => !hasVal || i.Split == FeatureSet.Val).Take(3))
            {
                var p = predictor.Predict(sample.FullPath);
                Console.WriteLine($"  {sample.RelativePath}: {p.TopClass} ({p.Probabilities[p.TopIndex]:P1})");
            }

            Step("6/6 export");
            string exported = Path.Combine(root, "classifier.onnx");
            ChainExporter.Export(RunDirectory.Open(run)).Save(exported);
            Console.WriteLine($"one-file classifier: {exported}");

            Report(root, archName, why, model.Info.RandomWeights, trained, evaluation, features, run, exported, images, DateTime.UtcNow - started);
            return 0;
        });
        return command;
    }

    private static void Step(string title) => Terminal.Out.Write(new Rule($"[bold]{Markup.Escape(title)}[/]").LeftJustified());

    private static void Report(string root, string arch, string why, bool random, TrainingResult trained, Evaluation evaluation,
                               string features, string run, string exported, string images, TimeSpan took)
    {
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("backbone", Markup.Escape($"{arch}: {why}"));
        grid.AddRow("validation accuracy", $"{evaluation.Report.Accuracy:P1} (best epoch {trained.BestEpoch} of {trained.History.Count})" + (random ? " [yellow](random backbone weights)[/]" : ""));
        grid.AddRow("features", Markup.Escape(features));
        grid.AddRow("training run", Markup.Escape($"{run} (head.onnx, head.json, report.json, curves.png, confusion.png)"));
        grid.AddRow("classifier", Markup.Escape(exported));
        grid.AddRow("time", $"{took.TotalSeconds:F0} s");
        Terminal.Out.Write(new Panel(grid).Header("demo finished"));
        Console.WriteLine("next:");
        Console.WriteLine($"  onnx-transfer predict {run} <image-or-folder>");
        Console.WriteLine($"  onnx-transfer evaluate {run} {images} --split val");
        Console.WriteLine("  onnx-transfer demo --data <your labelled photos>   (class sub-folders under train/ and val/)");
        if (random) Console.WriteLine($"  onnx-transfer models fetch {arch}   (real weights; then run the demo again)");
    }
}
