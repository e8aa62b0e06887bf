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
            string archName = parse.GetValue(arch)!;
            int seedValue = parse.GetValue(seed);
            var folder = DemoFolder.Prepare(Path.GetFullPath(parse.GetValue(output)!), keepData: parse.GetValue(data) is not null);

            Step("1/6 data");
            if (folder.HadEarlierDemo) Say($"replaced the earlier demo's outputs in {Shown(folder.Root)}");
            string images = parse.GetValue(data) ?? folder.Data;
            if (parse.GetValue(data) is null)
            {
                SyntheticTextures.Generate(images, trainPerClass: 60, valPerClass: 20, seedValue);
                Say($"generated {SyntheticTextures.Classes.Length * 80} images ({string.Join(", ", SyntheticTextures.Classes)}) in {Shown(images)}");
            }

            Step("2/6 backbone");
            var (model, why) = await DemoBackbone.LoadAsync(archName, parse.GetValue(offline), seedValue, ct);
            string layer = DemoBackbone.FeatureLayer(archName);
            Terminal.Out.MarkupLine($"{archName}: [bold]{Markup.Escape(why)}[/]");
            var truncated = GraphTruncator.Truncate(model, [layer], PoolMode.Avg);

            Step($"3/6 extract {layer} (avg pooled)");
            string features = folder.Features;
            using (var extractor = new FeatureExtractor(truncated, new ExtractionOptions { ModelName = archName }))
            {
                extractor.Warning += Terminal.Warn;
                var s = await extractor.ExtractAsync(images, features, null, ct);
                Say($"{s.ImagesIn} images -> {s.RowsWritten} rows, {s.Errors} errors, {s.ImagesPerSecond:F1} images/s on {s.Device} " +
                    $"({s.OrtThreads} ORT thread(s), {s.DecodeWorkers} decoder thread(s) at {s.DecoderPriority} priority); {s.JpegDecoder}");
                JpegAdvice.Once(extractor.JpegDecoderAdvice);
            }

            Step("4/6 train BatchNorm-Dropout-Dense head (Adam 1e-3, early stopping on val_loss)");
            string run = folder.Run;
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
            // As evaluate records it: whether the rows evaluated include the split that chose the epoch (then they read optimistic).
            bool chose = trained.Validation.ChoseEpoch && evaluation.Report.Split.Split(',').Contains(trained.Validation.Split, StringComparer.Ordinal);
            evaluation = evaluation with { Report = evaluation.Report with { ChoseEpoch = chose } };
            string html = EvaluationFiles.Save(folder.Evaluation, evaluation, new EvaluatedData(run, Path.GetFullPath(images), hasVal ? FeatureSet.Val : null, false),
                scanned.Items.ToDictionary(i => i.RelativePath, i => i.FullPath, StringComparer.Ordinal));
            Say($"accuracy {evaluation.Report.Accuracy:P1} on {evaluation.Report.Samples} {(hasVal ? "validation " : "")}images, {evaluation.Misclassified.Count} misclassified" +
                (chose ? $" ({evaluation.Report.Split} chose the epoch, so it reads optimistic)" : ""));
            foreach (var sample in scanned.Items.Where(i => !hasVal || i.Split == FeatureSet.Val).Take(3))
            {
                var p = predictor.Predict(sample.FullPath);
                Console.WriteLine($"  {sample.RelativePath}: {p.TopClass} ({p.Probabilities[p.TopIndex]:P1})");
            }

            Step("6/6 export");
            string exported = folder.Classifier;
            ChainExporter.Export(RunDirectory.Open(run)).Save(exported);
            Say($"one-file classifier: {Shown(exported)}");

            Report(archName, why, model.Info.RandomWeights, trained, evaluation, features, run, html, exported, images, DateTime.UtcNow - started);
            return 0;
        });
        return command;
    }

    private static void Step(string title) => Terminal.Out.Write(new Rule($"[bold]{Markup.Escape(title)}[/]").LeftJustified());

    /// <summary>A line of the demo's own, wrapped at 80 columns.</summary>
    private static void Say(string text) => Console.WriteLine(TextWrap.Hanging("", text));

    /// <summary>A path as the user would type it here: relative to the current folder when it is under it.</summary>
    private static string Shown(string path)
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }

    private static void Report(string arch, string why, bool random, TrainingResult trained, Evaluation evaluation,
                               string features, string run, string html, string exported, string images, TimeSpan took)
    {
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("backbone", Markup.Escape($"{arch}: {why}"));
        grid.AddRow("validation accuracy", $"{evaluation.Report.Accuracy:P1} (best epoch {trained.BestEpoch} of {trained.History.Count})" + (random ? " [yellow](random backbone weights)[/]" : ""));
        grid.AddRow("features", Markup.Escape(Shown(features)));
        grid.AddRow("training run", Markup.Escape($"{Shown(run)} (head.onnx, head.json, report.json, curves.png, confusion.png)"));
        grid.AddRow("evaluation", Markup.Escape($"{Shown(html)}: open it in a browser (metrics, confusion matrix, the worst mistakes)"));
        grid.AddRow("classifier", Markup.Escape(Shown(exported)));
        grid.AddRow("time", $"{took.TotalSeconds:F0} s");
        Terminal.Out.Write(new Panel(grid).Header("demo finished"));
        // Each command on its own line, whole, so it can be copied; what it is for on the line above.
        Console.WriteLine("next, classify photos, or evaluate on a labelled folder:");
        Console.WriteLine($"  onnx-transfer predict {Shown(run)} <image-or-folder>");
        string val = Path.Combine(images, FeatureSet.Val);
        Console.WriteLine($"  onnx-transfer evaluate {Shown(run)} {(Directory.Exists(val) ? Shown(val) : $"{Shown(images)} --split val")}");
        Console.WriteLine("the demo on your own photos (class sub-folders under train/ and val/):");
        Console.WriteLine("  onnx-transfer demo --data <photos>");
        if (random)
        {
            Console.WriteLine("real weights, then the demo again:");
            Console.WriteLine($"  onnx-transfer models fetch {arch}");
        }
    }
}
