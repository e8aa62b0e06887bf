using System.CommandLine;
using System.Globalization;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.Cli.Reports;
using OnnxTransfer.Inference;
using OnnxTransfer.IO;

namespace OnnxTransfer.Cli.Commands;

/// <summary>`onnx-transfer evaluate RUN FOLDER`: accuracy, top-k, AUC, confusion and per-class report on labelled images.</summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var args = new PredictorArguments();
        var input = new Argument<string>("input")
        {
            Description = "Labelled images: class sub-folders (optionally under train/val/test), or a list file of path,label lines (or of class/id lines with a classes.txt " +
                          "beside it, as Food-101's meta/test.txt); or a feature folder from onnx-transfer extract, scored without decoding the photos again.",
        };
        var split = new Option<string?>("--split") { Description = "With a train/val/test tree, evaluate only this split (e.g. val)." };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write report.json, report.html, confusion.png and misclassified.tsv (default: <run>/evaluation)." };
        var maxMemory = new Option<string?>("--max-memory") { Description = "With a feature folder: memory for its features, e.g. 2GB (a larger set is streamed). Default: half the memory available." };
        var allowPartial = new Option<bool>("--allow-partial") { Description = "With a feature folder: score the finished shards of an extraction that is not finished (said in the output)." };
        var command = new Command("evaluate", "Score a trained run or exported classifier on labelled images, with the training report's format.");
        args.AddTo(command);
        command.Arguments.Add(input);
        command.Options.Add(split);
        command.Options.Add(output);
        command.Options.Add(maxMemory);
        command.Options.Add(allowPartial);
        // Synchronous work, but the async overload is the one that receives Ctrl-C as a token.
        command.SetAction((parse, ct) => Task.FromResult(Execute(parse, ct)));
        return command;

        int Execute(ParseResult parse, CancellationToken ct)
        {
            string inputArg = parse.GetValue(input)!, model = parse.GetValue(args.Model)!;
            bool fromFeatures = FeatureSet.IsFeatureFolder(inputArg);
            // From photos, the worst misclassified are shown as thumbnails of the files scanned (by relative path).
            IReadOnlyDictionary<string, string>? photos = null;
            var evaluation = fromFeatures ? OnFeatures(parse, inputArg, model, ct) : OnImages(parse, inputArg, ct, out photos);
            foreach (var u in evaluation.Unreadable) Console.Error.WriteLine($"skipped {u.Path}: {u.Error}");

            // -q as in train: only the final line (the report files are written all the same).
            bool quiet = parse.GetValue(args.Quiet);
            if (!quiet)
            {
                ReportConsole.Render(evaluation.Report, Terminal.Out);
                if (evaluation.Misclassified.Count > 0) ReportConsole.RenderWorst(evaluation, 10, Terminal.Out);
            }
            var (note, chose) = SplitNote(model, new HashSet<string>(evaluation.Report.Split.Split(','), StringComparer.Ordinal));
            if (note is not null) Terminal.Warn(note);
            // report.json names the split its numbers are on (the evaluator does) and whether that split chose the run's epoch.
            evaluation = evaluation with { Report = evaluation.Report with { ChoseEpoch = chose } };

            string dir = parse.GetValue(output)
                ?? (Directory.Exists(model) ? Path.Combine(model, "evaluation") : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(model))!, "evaluation"));
            EvaluationFiles.Save(dir, evaluation, new EvaluatedData(Path.GetFullPath(model), Path.GetFullPath(inputArg), parse.GetValue(split), fromFeatures), photos);
            Console.WriteLine($"accuracy {evaluation.Report.Accuracy:P2} on {evaluation.Report.Samples} {(fromFeatures ? "feature rows" : "images")} " +
                              $"({evaluation.Misclassified.Count} misclassified, {evaluation.Unreadable.Count} unreadable); report in {dir}");
            return 0;
        }

        Evaluation OnImages(ParseResult parse, string inputArg, CancellationToken ct, out IReadOnlyDictionary<string, string> photos)
        {
            using var predictor = args.Open(parse);
            var inputs = InputScanner.Scan(inputArg);
            photos = inputs.Items.ToDictionary(i => i.RelativePath, i => i.FullPath, StringComparer.Ordinal);
            InputNotice.Write(inputs, parse.GetValue(args.Quiet));
            return ProgressDisplay.Run(parse.GetValue(args.Quiet), "evaluating", inputs.Items.Count, progress =>
                Evaluator.Evaluate(predictor, inputArg, inputs, parse.GetValue(split), parse.GetValue(args.TopK), progress, ct));
        }

        Evaluation OnFeatures(ParseResult parse, string inputArg, string model, CancellationToken ct)
        {
            if (!Directory.Exists(model))
                throw new OnnxTransferException($"'{inputArg}' is a feature folder: evaluating features needs the training run directory, not the exported '{model}'.");
            var run = RunDirectory.Open(model);
            var set = FeatureSet.Open(inputArg, new FeatureSetOptions
            {
                Layer = run.Sidecar.FeatureLayer,
                MaxMemory = parse.GetValue(maxMemory) is { } m ? ByteSize.Parse(m, "--max-memory") : null,
                AllowPartial = parse.GetValue(allowPartial),
            });
            bool quiet = parse.GetValue(args.Quiet);
            if (!quiet) Console.WriteLine($"features: {LibraryTerms.ToCli(set.Storage)}");
            foreach (string w in set.Warnings) Terminal.Warn(w);
            string? only = parse.GetValue(split);
            int rows = Enumerable.Range(0, set.Rows).Count(r => set.Labels[r] >= 0 && set.Views[r] == 0 && (only is null || set.Splits[r] == only));
            return ProgressDisplay.Run(quiet, "evaluating", rows, progress => Evaluator.Evaluate(run, set, only, parse.GetValue(args.TopK), progress, ct));
        }
    }

    /// <summary>
    /// Whether the rows scored took part in training the run (its train rows) or in choosing its epoch (its validation
    /// split, when that chose): such numbers read optimistic, and the user should know which these are.
    /// </summary>
    private static (string? Note, bool ChoseEpoch) SplitNote(string model, HashSet<string> splits)
    {
        if (!Directory.Exists(model)) return (null, false); // an exported classifier records no training splits
        var sidecar = HeadSidecar.Load(model);
        bool chose = sidecar.ChoseEpoch && splits.Contains(sidecar.ValidationSplit);
        if (splits.Contains(FeatureSet.Train))
            return ("these rows include the train split, which the head was fitted on; score --split val or test for an honest number.", chose);
        if (chose)
            return ($"{sidecar.ValidationSplit} chose this run's epoch (early stopping, the restored best checkpoint), so its numbers read optimistic; " +
                    "a test split, or a run trained with --holdout, gives a clean one.", true);
        return (null, false);
    }
}
