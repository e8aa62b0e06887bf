using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Cli.Tests;

/// <summary>Options that would be silently ignored, and folders that would be silently replaced, are refused in one line.</summary>
public class RunSafetyCliTests
{
    [Theory]
    [InlineData("--momentum", "0.5")]
    [InlineData("--nesterov", "true")]
    public void An_sgd_option_with_adam_is_refused_rather_than_ignored(string option, string value)
    {
        var r = Cli.Run("train", "features", "-o", "run", "--optimizer", "adam", option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal([$"error: {option} applies to --optimizer sgd; adam keeps its own moment estimates: leave it out, or use --optimizer sgd."], r.ErrorLines);
    }

    [Theory]
    [InlineData("--epochs", "3")]
    [InlineData("--lr", "0.1")]
    [InlineData("--patience", "2")]
    [InlineData("--monitor", "val_auc")]
    [InlineData("--no-restore-best", "true")]
    public void A_mini_batch_option_with_lbfgs_is_refused_rather_than_ignored(string option, string value)
    {
        var r = Cli.Run("train", "features", "-o", "run", "--solver", "lbfgs", option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal([$"error: {option} applies to mini-batch training, and --solver lbfgs solves to the optimum without epochs: leave it out, or use --solver sgd."], r.ErrorLines);
    }

    [Theory]
    [InlineData("--tol", "--solver", "sgd", "")]
    [InlineData("--max-iter", "--epochs", "2", " (a mini-batch option was given)")]
    public void An_lbfgs_option_on_a_mini_batch_run_is_refused_saying_what_made_it_one(string option, string other, string otherValue, string why)
    {
        var r = Cli.Run("train", "features", "-o", "run", other, otherValue, option, "5");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal([$"error: {option} applies to --solver lbfgs, and this run trains on mini-batches{why}: leave it out, or drop the mini-batch options."], r.ErrorLines);
    }

    [Theory]
    [InlineData("extract")]
    [InlineData("predict")]
    [InlineData("evaluate")]
    public void Every_verb_that_runs_a_backbone_takes_the_CUDA_providers_flags(string verb)
    {
        var help = Cli.Run(verb, "--help");
        foreach (string flag in new[] { "--cudnn-conv-algo-search", "--gpu-arena-extend", "--gpu-mem-limit" }) Assert.Contains(flag, help.Out);
        string[] args = verb == "extract" ? ["extract", "photos", "--model", "m.onnx", "-o", "out"] : [verb, "run", "photos"];
        var r = Cli.Run([.. args, "--gpu-mem-limit", "lots"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(["error: --gpu-mem-limit 'lots' is not a size; write e.g. 256MB, 1.5GB or 4096 (bytes)."], r.ErrorLines);
    }

    [Fact]
    public void Restore_best_has_a_plain_off_switch_and_both_at_once_are_refused()
    {
        var r = Cli.Run("train", "features", "-o", "run", "--restore-best", "--no-restore-best");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(["error: --restore-best and --no-restore-best contradict each other; give one."], r.ErrorLines);
        var help = Cli.Run("train", "--help");
        Assert.Contains("--no-restore-best", help.Out);
        Assert.Contains("on by default", help.Out);
    }

    [Fact]
    public void Extracting_into_a_folder_of_other_files_is_refused_naming_one()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("photos", "a"));
        File.WriteAllBytes(dir.File("photos", "a", "x.png"), TestImages.Encode(TestImages.RandomRgba(8, 8, 1), 8, 8, SkiaSharp.SKEncodedImageFormat.Png));
        Directory.CreateDirectory(dir.File("mine"));
        File.WriteAllText(dir.File("mine", "notes.txt"), "keep me");
        string model = dir.File("m.onnx");
        Assert.Equal(0, Cli.Run("models", "import", "--random-weights", "--arch", "mobilenet", "--alpha", "0.25", "--seed", "1", "-o", model).ExitCode);
        var r = Cli.Run("extract", dir.File("photos"), "--model", model, "--layer", "conv_pw_13_relu", "--pool", "avg", "--input-size", "32", "-o", dir.File("mine"), "-q");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal([$"error: Output folder '{dir.File("mine")}' holds files that are not a feature set ('notes.txt'); extract into a new or empty folder (it may lie inside the photo folder)."], r.ErrorLines);
        Assert.Equal(["notes.txt"], Directory.GetFileSystemEntries(dir.File("mine")).Select(f => Path.GetFileName(f)).Where(n => !n.StartsWith('.')));
    }
}
