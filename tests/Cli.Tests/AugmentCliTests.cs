using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Cli.Tests;

/// <summary>extract --augment on real photos with the real MobileNet: train draws views, evaluate scores the images themselves.</summary>
public class AugmentCliTests
{
    private static string[] Extract(string model, string output, params string[] extra) =>
        ["extract", SharedData.Dataset("hymenoptera_data"), "--model", model, "--layer", "conv_pw_13_relu", "--pool", "avg", "-o", output, "-q", .. extra];

    [SharedFact]
    public void Evaluating_an_augmented_feature_set_scores_only_the_images_themselves()
    {
        using var dir = new TempDir();
        string model = dir.File("mobilenet.onnx");
        Assert.Equal(0, Cli.Run("models", "import", "--keras", SharedData.Models("mobilenet_2_5_224_tf_no_top.h5"), "--arch", "mobilenet", "--alpha", "0.25", "-o", model).ExitCode);
        var plain = Cli.Run(Extract(model, dir.File("plain")));
        Assert.True(plain.ExitCode == 0, plain.Error);
        var augmented = Cli.Run(Extract(model, dir.File("augmented"), "--augment", "2", "--rotate", "15"));
        Assert.True(augmented.ExitCode == 0, augmented.Error);
        // hymenoptera: 244 training and 153 validation photos; only the training ones get views.
        Assert.Contains("397 images -> 885 rows (488 augmented views), 0 errors", augmented.Out);

        var train = Cli.Run("train", dir.File("augmented"), "--head", "linear", "--epochs", "5", "-o", dir.File("run"), "-q");
        Assert.True(train.ExitCode == 0, train.Error);
        var onPlain = Cli.Run("evaluate", dir.File("run"), dir.File("plain"), "-o", dir.File("eval-plain"));
        var onAugmented = Cli.Run("evaluate", dir.File("run"), dir.File("augmented"), "-o", dir.File("eval-augmented"));
        Assert.True(onPlain.ExitCode == 0 && onAugmented.ExitCode == 0, onPlain.Error + onAugmented.Error);
        Assert.Equal(File.ReadAllText(dir.File("eval-plain", "misclassified.tsv")), File.ReadAllText(dir.File("eval-augmented", "misclassified.tsv")));
        string Accuracy(string output) => output.Split('\n').First(l => l.Contains("accuracy", StringComparison.Ordinal));
        Assert.Equal(Accuracy(onPlain.Out), Accuracy(onAugmented.Out));
    }

    [Fact]
    public void A_view_setting_without_views_is_refused_rather_than_ignored()
    {
        var r = Cli.Run("extract", "photos", "--model", "m.onnx", "-o", "out", "--zoom", "0.2");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(["error: --zoom shapes augmented views; add --augment K (views per training image) or leave it out."], r.ErrorLines);
    }
}
