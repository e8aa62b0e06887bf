using System.Security.Cryptography;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.HeadTrainer.Tests;

/// <summary>Several feature folders trained on as one set.</summary>
public class UnionTests
{
    private static string HeadHash(string run) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(run, RunFiles.HeadModel))));

    /// <summary>
    /// hymenoptera_data's train/ and val/ extracted one by one (each a class-folder tree named after its split) and
    /// trained on together give the head of the whole folder extracted at once: same rows, labels, splits and order.
    /// </summary>
    [SharedFact]
    public async Task Training_on_train_and_val_extracted_separately_equals_training_on_the_folder_holding_both()
    {
        using var dir = new TempDir();
        var mobilenet = KerasImporter.Import(SharedData.Models("mobilenet_2_5_224_tf_no_top.h5"), KerasArch.MobileNet, new() { Alpha = 0.25 });
        var backbone = GraphTruncator.Truncate(mobilenet, ["conv_pw_13_relu"], PoolMode.Avg);
        string data = SharedData.Dataset("hymenoptera_data");
        foreach (var (input, output) in new[] { (data, "both"), (Path.Combine(data, "train"), "train"), (Path.Combine(data, "val"), "val") })
        {
            using var extractor = new FeatureExtractor(backbone, new ExtractionOptions { ModelName = "mobilenet" });
            await extractor.ExtractAsync(input, dir.File(output));
        }
        var options = new TrainerOptions { Head = HeadSpec.Linear, Epochs = 10, Seed = 4, LearningRate = 1e-2f, Patience = 0 };
        var whole = FeatureSet.Open(dir.File("both"));
        var union = FeatureSet.Open([dir.File("train"), dir.File("val")]);
        Assert.Equal((397, 244, 153), (union.Rows, union.RowsOf(FeatureSet.Train).Length, union.RowsOf(FeatureSet.Val).Length));
        Assert.Equal(whole.Labels, union.Labels);
        Assert.Equal(whole.Splits, union.Splits);
        Assert.Equal(whole.Features, union.Features);
        Assert.Equal([dir.File("train"), dir.File("val")], union.Directories);

        var a = new Trainer(options).Train(whole, dir.File("run-whole"));
        var b = new Trainer(options).Train(union, dir.File("run-union"));
        Assert.Equal(HeadHash(dir.File("run-whole")), HeadHash(dir.File("run-union")));
        Assert.Equal(a.Validation.Accuracy, b.Validation.Accuracy);
        Assert.True(File.Exists(Path.Combine(dir.File("run-union"), RunFiles.Backbone)));
    }

    [Fact]
    public void Folders_from_different_models_or_class_lists_are_refused_naming_both()
    {
        using var dir = new TempDir();
        SyntheticFeatures.Write(dir.File("a"), 40, 8, 2, seed: 1);
        SyntheticFeatures.Write(dir.File("b"), 40, 8, 2, seed: 2); // another dummy backbone, so another model hash
        SyntheticFeatures.Write(dir.File("c"), 40, 8, 3, seed: 1);
        SyntheticFeatures.Write(dir.File("d"), 40, 6, 2, seed: 1);
        string Refusal(params string[] names) =>
            Assert.Throws<OnnxTransferException>(() => FeatureSet.Open(names.Select(n => dir.File(n)).ToList())).Message;
        Assert.StartsWith($"Feature folders '{dir.File("a")}' and '{dir.File("b")}' differ in model (sha256)", Refusal("a", "b"));
        Assert.StartsWith($"Feature folders '{dir.File("a")}' and '{dir.File("c")}' have different class lists (2 vs 3 classes", Refusal("a", "c"));
        Assert.StartsWith($"Feature folders '{dir.File("a")}' and '{dir.File("d")}' differ in feature shape ('8' vs '6')", Refusal("a", "d"));
        Assert.StartsWith($"Feature folder '{dir.File("a")}' is given twice", Refusal("a", "a"));
        SyntheticFeatures.Write(dir.File("a2"), 30, 8, 2, seed: 1); // the same dummy model: a union of 70 rows
        var union = FeatureSet.Open([dir.File("a"), dir.File("a2")]);
        Assert.Equal((70, 8), (union.Rows, union.Width));
    }
}
