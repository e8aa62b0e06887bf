using OnnxTransfer.Cli;

return CliRunner.Run(CliApp.CreateRoot(), args);
