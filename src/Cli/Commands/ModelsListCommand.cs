using System.CommandLine;
using OnnxTransfer.Extractor.Models;
using Spectre.Console;

namespace OnnxTransfer.Cli.Commands;

/// <summary>`onnx-transfer models list`: the built-in models, whether each is cached, and where its weights come from.</summary>
public static class ModelsListCommand
{
    public static Command Create()
    {
        var command = new Command("list", "List the built-in models, their cache state and download URLs.");
        command.SetAction(_ =>
        {
            var options = new ModelZooOptions();
            var models = ModelZoo.List(options);
            var table = new Table().AddColumns("Model", "Input", "Download", "Cached", "Licence");
            table.Columns[2].RightAligned();
            foreach (var s in models)
                table.AddRow(new Text(s.Model.Arch), new Text($"{s.Model.InputSize}"), new Text(s.Model.Bytes is long b ? Megabytes(b) : "unknown"),
                             new Text(s.Cached ? "yes" : "no"), new Text(ShortLicence(s.Model.Licence)));
            Terminal.Out.Write(table);
            // URLs go on their own lines so a narrow terminal does not wrap them into something uncopyable.
            foreach (var s in models)
                Console.Out.WriteLine($"{s.Model.Arch}: --layer {string.Join(",", s.Model.DefaultLayers)} --pool {s.Model.DefaultPool}, preprocessing {s.Model.Preprocess}; {s.Url}");
            Console.Out.WriteLine($"Cache: {options.CacheDir} (set ONNX_TRANSFER_CACHE to move it); fetch with `onnx-transfer models fetch <model>`.");
            return 0;
        });
        return command;
    }

    private static string Megabytes(long bytes) => $"{bytes / 1e6:F1} MB";

    /// <summary>The licence's first clause: the table stays narrow, and the full text is in the model's manifest.</summary>
    private static string ShortLicence(string licence) => licence.Split([';', '('], 2)[0].Trim();
}
