using System.CommandLine;
using OnnxTransfer.Extractor.Models;

namespace OnnxTransfer.Cli.Commands;

/// <summary>`onnx-transfer models fetch vgg19|efficientnetb0|mobilenet`: download, verify md5, convert, cache.</summary>
public static class ModelsFetchCommand
{
    public static Command Create()
    {
        var arch = new Argument<string>("model") { Description = "A zoo model's name (onnx-transfer models list shows them)." };
        var command = new Command("fetch", "Download a built-in model's official Keras weights (resumable), check their md5 and convert them into the cache.") { arch };
        command.SetAction(async (parse, ct) =>
        {
            var model = ModelZoo.Get(parse.GetValue(arch)!);
            var options = new ModelZooOptions();
            Console.Out.WriteLine($"Downloading {model.FileName} ({(model.Bytes is long b ? $"{b / 1e6:F1} MB" : "size from the server")})...");
            string path = await ModelZoo.FetchAsync(model.Arch, options, new TenthReporter(), ct);
            Console.Out.WriteLine(model.Md5 is { } md5
                ? $"Fetched {model.Arch}: md5 {md5} verified, converted to {path}"
                : $"Fetched {model.Arch}: not verified (Keras publishes no checksum for {model.FileName}; the model records the file's md5), converted to {path}");
            return 0;
        });
        return command;
    }

    // One stderr line per tenth of the download: visible progress without a live widget, so logs stay readable.
    private sealed class TenthReporter : IProgress<DownloadProgress>
    {
        private int _lastTenth;

        public void Report(DownloadProgress value)
        {
            if (value.Total is not long total || total == 0) return;
            int tenth = (int)(value.Received * 10 / total);
            if (tenth <= _lastTenth) return;
            _lastTenth = tenth;
            Console.Error.WriteLine($"  {tenth * 10}% ({value.Received / 1e6:F1} of {total / 1e6:F1} MB)");
        }
    }
}
