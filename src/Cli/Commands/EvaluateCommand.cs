using System.CommandLine;
using System.Globalization;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Cli.Reports;
using OnnxTransfer.Inference;
using Spectre.Console;

namespace OnnxTransfer.Cli.Commands;

/// <summary>`onnx-transfer evaluate RUN FOLDER`: accuracy, top-k, AUC, confusion and per-class report on labelled images.</summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var args = new PredictorArguments();
        var input = new Argument<string>("input") { Description = "Labelled images: class sub-folders (optionally under train/val/test), or a list file of path,label lines (or of class/id lines with a classes.txt beside it, as Food-101's meta/test.txt)." };
        var split = new Option<string?>("--split") { Description = "With a train/val/test tree, evaluate only this split (e.g. val)." };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write report.json, confusion.png and misclassified.tsv (default: <run>/evaluation)." };
        var command = new Command("evaluate", "Score a trained run or exported classifier on labelled images, with the training report's format.");
        args.AddTo(command);
        command.Arguments.Add(input);
        command.Options.Add(split);
        command.Options.Add(output);
        // Synchronous work, but the async overload is the one that receives Ctrl-C as a token.
        command.SetAction((parse, ct) => Task.FromResult(Execute(parse, ct)));
        return command;

        int Execute(ParseResult parse, CancellationToken ct)
        {
            using var predictor = args.Open(parse);
            string inputArg = parse.GetValue(input)!, model = parse.GetValue(args.Model)!;
            var inputs = InputScanner.Scan(inputArg);
            InputNotice.Write(inputs, parse.GetValue(args.Quiet));
            var evaluation = ProgressDisplay.Run(parse.GetValue(args.Quiet), "evaluating", inputs.Items.Count, progress =>
                Evaluator.Evaluate(predictor, inputArg, inputs, parse.GetValue(split), parse.GetValue(args.TopK), progress, ct));
            foreach (var u in evaluation.Unreadable) Console.Error.WriteLine($"skipped {u.Path}: {u.Error}");

            ReportConsole.Render(evaluation.Report, Terminal.Out);
            if (evaluation.Misclassified.Count > 0) Terminal.Out.Write(Worst(evaluation.Misclassified, 10));

            string dir = parse.GetValue(output)
                ?? (Directory.Exists(model) ? Path.Combine(model, "evaluation") : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(model))!, "evaluation"));
            evaluation.Save(dir);
            Plots.SaveConfusion(evaluation.Report, Path.Combine(dir, "confusion.png"));
            Console.WriteLine($"accuracy {evaluation.Report.Accuracy:P2} on {evaluation.Report.Samples} images " +
                              $"({evaluation.Misclassified.Count} misclassified, {evaluation.Unreadable.Count} unreadable); report in {dir}");
            return 0;
        }

    }

    private static Table Worst(IReadOnlyList<Misclassified> wrong, int n)
    {
        var table = new Table().Title($"worst {Math.Min(n, wrong.Count)} of {wrong.Count} misclassified").AddColumns("image", "true class", "p(true)", "predicted", "p(predicted)");
        foreach (var m in wrong.Take(n))
            table.AddRow(Markup.Escape(m.Path), Markup.Escape(m.TrueClass), $"{m.TrueProbability:P1}", Markup.Escape(m.PredictedClass), $"{m.PredictedProbability:P1}");
        return table;
    }
}
