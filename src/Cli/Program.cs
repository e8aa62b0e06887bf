using System.CommandLine;
using OnnxTransfer.Cli;
using OnnxTransfer.Cli.Commands;

var root = new RootCommand("onnx-transfer: transfer learning on images with ONNX Runtime.");
// One line per verb; each command lives in Commands/ and only calls library APIs.
root.Subcommands.Add(ModelsCommand.Create());
root.Subcommands.Add(ExtractCommand.Create());
return CliRunner.Run(root, args);
