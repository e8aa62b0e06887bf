using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Inference;
using OnnxTransfer.IO;
using Spectre.Console;

namespace OnnxTransfer.Cli.Commands;

/// <summary>`onnx-transfer predict RUN INPUT`: class probabilities for an image, a folder or a list file.</summary>
public static class PredictCommand
{
    public static Command Create()
    {
        var args = new PredictorArguments();
        var input = new Argument<string>("input") { Description = "An image, a folder of images (searched recursively) or a list file of path[,label] lines." };
        var format = new Option<string>("--format") { Description = "table, csv or json (one object per line).", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "csv", "json");
        var command = new Command("predict", "Classify images with a trained run or an exported classifier.");
        args.AddTo(command);
        command.Arguments.Add(input);
        command.Options.Add(format);
        // Synchronous work, but the async overload is the one that receives Ctrl-C as a token.
        command.SetAction((parse, ct) => Task.FromResult(Execute(parse, ct)));
        return command;

        int Execute(ParseResult parse, CancellationToken ct)
        {
            using var predictor = args.Open(parse);
            var (root, paths) = Inputs(parse.GetValue(input)!, parse.GetValue(args.Quiet));
            int topK = Math.Clamp(parse.GetValue(args.TopK), 1, predictor.Classes.Count);
            string fmt = parse.GetValue(format)!;
            var rows = new List<PredictionResult>();
            int failed = ProgressDisplay.Run(parse.GetValue(args.Quiet), "predicting", paths.Count, progress =>
            {
                int done = 0, errors = 0;
                if (fmt == "csv") Console.WriteLine(CsvHeader(topK));
                foreach (var r in predictor.PredictFiles(paths, ct))
                {
                    progress?.Report(++done);
                    if (r.Error is not null)
                    {
                        errors++;
                        Console.Error.WriteLine($"skipped {Relative(root, r.Path)}: {r.Error}");
                        continue;
                    }
                    switch (fmt)
                    {
                        case "csv": Console.WriteLine(CsvRow(root, r.Prediction!, topK)); break;
                        case "json": Console.WriteLine(JsonRow(root, r.Prediction!, topK)); break;
                        default: rows.Add(r); break;
                    }
                }
                return errors;
            });
            if (fmt == "table") Terminal.Out.Write(Table(root, rows, topK));
            if (paths.Count > 1 || failed > 0)
                Console.Error.WriteLine($"{paths.Count - failed} of {paths.Count} images classified, {failed} unreadable.");
            return failed == paths.Count ? 1 : 0;
        }

    }

    private static (string Root, List<string> Paths) Inputs(string input, bool quiet)
    {
        if (File.Exists(input) && InputScanner.ImageExtensions.Contains(Path.GetExtension(input).ToLowerInvariant()))
            return (Path.GetDirectoryName(Path.GetFullPath(input))!, [input]);
        var set = InputScanner.Scan(input);
        InputNotice.Write(set, quiet);
        if (set.Items.Count == 0) throw new OnnxTransferException($"'{input}' holds no images ({string.Join(", ", InputScanner.ImageExtensions)}).");
        return (set.Root, set.Items.Select(i => i.FullPath).ToList());
    }

    private static string Relative(string root, string path) => InputScanner.Rel(root, path);

    private static string CsvHeader(int k) =>
        "path," + string.Join(",", Enumerable.Range(1, k).Select(i => $"top{i},p{i}"));

    private static string CsvRow(string root, Prediction p, int k) =>
        Delimited.CsvField(Relative(root, p.Path)) + "," +
        string.Join(",", p.Top(k).Select(c => $"{Delimited.CsvField(c.Class)},{c.Probability.ToString("R", CultureInfo.InvariantCulture)}"));

    private static string JsonRow(string root, Prediction p, int k) => JsonSerializer.Serialize(new
    {
        path = Relative(root, p.Path),
        top = p.Top(k).Select(c => new { @class = c.Class, probability = c.Probability }),
    });

    private static Table Table(string root, List<PredictionResult> rows, int k)
    {
        // The runners-up are k - 1 classes: a "top 5" column used to list 4.
        var table = new Table().AddColumns(k > 1 ? ["image", "class", "probability", $"next {k - 1}"] : ["image", "class", "probability"]);
        foreach (var r in rows)
        {
            var p = r.Prediction!;
            var top = p.Top(k);
            string[] cells = [Markup.Escape(Relative(root, p.Path)), Markup.Escape(top[0].Class), $"{top[0].Probability:P1}"];
            table.AddRow(k > 1 ? [.. cells, Markup.Escape(string.Join(", ", top.Skip(1).Select(c => $"{c.Class} {c.Probability:P1}")))] : cells);
        }
        return table;
    }
}
