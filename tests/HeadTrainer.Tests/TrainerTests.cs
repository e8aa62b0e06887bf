using Microsoft.ML.OnnxRuntime;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.HeadTrainer.Tests;

public class TrainerTests
{
    private static TrainerOptions Fast(string head = "linear") => new()
    {
        Head = HeadSpec.Parse(head), Solver = SolverKind.Sgd, Epochs = 4, BatchSize = 16, LearningRate = 0.01f, Patience = 0, Dropout = 0.3f, TopK = 2,
    };

    [Fact]
    public void Reader_loads_rows_in_order_with_labels_splits_and_source()
    {
        using var dir = new TempDir();
        var (features, labels) = SyntheticFeatures.Write(dir.Path, 30, 5, 3);
        var set = FeatureSet.Load(dir.Path);
        Assert.Equal((30, 5, "gap"), (set.Rows, set.Width, set.Layer));
        Assert.Equal(features, set.Features);
        Assert.Equal(labels, set.Labels);
        Assert.Equal(["class0", "class1", "class2"], set.Classes);
        Assert.Equal(9, set.RowsOf(FeatureSet.Val).Length); // rows with r / 3 in {2, 5, 8}
        Assert.Equal(Path.GetFullPath(dir.Path), set.Source.Directory);
        Assert.Equal("avg", set.Source.Pool);
        Assert.True(set.Source.RandomWeights);
    }

    [Theory]
    [InlineData("linear", LossKind.Softmax, 3)]
    [InlineData("mlp:16,8", LossKind.Softmax, 3)]
    [InlineData("bn-dropout", LossKind.Softmax, 3)]
    [InlineData("mlp:6", LossKind.Binary, 2)]
    public void Trains_separable_data_and_head_onnx_equals_the_managed_forward(string head, LossKind loss, int classes)
    {
        using var data = new TempDir();
        using var run = new TempDir();
        SyntheticFeatures.Write(data.Path, 90, 12, classes);
        var set = FeatureSet.Load(data.Path);
        var result = new Trainer(Fast(head) with { Loss = loss, Epochs = 8 }).Train(set, run.Path);
        Assert.True(result.Validation.Accuracy >= 0.9, $"val accuracy {result.Validation.Accuracy}");
        foreach (var f in new[] { RunFiles.HeadModel, RunFiles.Sidecar, RunFiles.Backbone, RunFiles.Report, RunFiles.History })
            Assert.True(File.Exists(Path.Combine(run.Path, f)), f);
        // The backbone is the features' own file under a second name (one file system here), not a copy.
        if (OperatingSystem.IsLinux())
            Assert.Equal(OnnxTransfer.IO.Posix.Status(Path.Combine(data.Path, RunFiles.Backbone)).Inode, OnnxTransfer.IO.Posix.Status(Path.Combine(run.Path, RunFiles.Backbone)).Inode);

        var managed = result.Head.Predict(set.Features);
        using var session = new InferenceSession(Path.Combine(run.Path, RunFiles.HeadModel));
        using var input = OrtValue.CreateTensorValueFromMemory(set.Features, [set.Rows, set.Width]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [HeadOnnxExporter.InputName], [input], [HeadOnnxExporter.OutputName]);
        var ort = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(set.Rows * classes, ort.Length);
        for (int i = 0; i < ort.Length; i++) Assert.True(Math.Abs(ort[i] - managed[i]) <= 1e-5, $"[{i}] ORT {ort[i]} vs managed {managed[i]}");

        var sidecar = HeadSidecar.Load(run.Path);
        Assert.Equal(set.Classes, sidecar.Classes);
        Assert.Equal(("gap", 12, head), (sidecar.FeatureLayer, sidecar.FeatureWidth, sidecar.Head));
        Assert.Equal(set.Source, sidecar.Source);
        Assert.Equal(result.Validation.Accuracy, sidecar.Metrics["accuracy"], 12);
        Assert.Equal(head, sidecar.Training.Head.ToString());
        Assert.Equal(9, File.ReadAllLines(Path.Combine(run.Path, RunFiles.History)).Length);
    }

    [Fact]
    public void Same_seed_gives_identical_head_bytes_and_another_seed_does_not()
    {
        using var data = new TempDir();
        SyntheticFeatures.Write(data.Path, 60, 10, 3);
        var set = FeatureSet.Load(data.Path);
        byte[] Train(ulong seed)
        {
            using var run = new TempDir();
            new Trainer(Fast("mlp:32,16") with { Seed = seed, ClassWeight = ClassWeighting.Balanced, Optimizer = OptimizerKind.AdamW }).Train(set, run.Path);
            return File.ReadAllBytes(Path.Combine(run.Path, RunFiles.HeadModel));
        }
        Assert.Equal(Train(3), Train(3));
        Assert.NotEqual(Train(3), Train(4));
    }

    [Theory]
    [InlineData("bn-dropout", OptimizerKind.Sgd)]
    [InlineData("mlp:8", OptimizerKind.Adam)]
    public void Resume_equals_an_uninterrupted_run(string head, OptimizerKind optimizer)
    {
        using var data = new TempDir();
        SyntheticFeatures.Write(data.Path, 60, 10, 3, withVal: false);
        var set = FeatureSet.Load(data.Path);
        var options = Fast(head) with { Optimizer = optimizer, Nesterov = true, Epochs = 5, RestoreBest = false };
        using var whole = new TempDir();
        using var parts = new TempDir();
        new Trainer(options).Train(set, whole.Path);
        new Trainer(options with { Epochs = 2 }).Train(set, parts.Path);
        var resumed = new Trainer(options with { Resume = true }).Train(set, parts.Path);
        Assert.Equal(5, resumed.History.Count);
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole.Path, RunFiles.HeadModel)), File.ReadAllBytes(Path.Combine(parts.Path, RunFiles.HeadModel)));
    }

    [Fact]
    public void Early_stopping_restores_the_best_epoch()
    {
        using var data = new TempDir();
        using var run = new TempDir();
        SyntheticFeatures.Write(data.Path, 60, 10, 3, separation: 0.3f);
        var set = FeatureSet.Load(data.Path);
        // A large learning rate on nearly inseparable data: val loss soon stops improving.
        var result = new Trainer(Fast("mlp:64") with { LearningRate = 0.05f, Epochs = 40, Patience = 2 }).Train(set, run.Path);
        Assert.True(result.StoppedEarly);
        Assert.Equal(result.BestEpoch + 2, result.History.Count);
        double bestLoss = result.History.Min(h => h.ValLoss);
        Assert.Equal(bestLoss, result.History[result.BestEpoch - 1].ValLoss);
        var valRows = DataSplits.Of(set, Fast()).Val;
        var (_, loss) = Trainer.Evaluate(result.Head, set, valRows, new LossFunction(LossKind.Softmax, 0, null));
        Assert.Equal(bestLoss, loss, 5); // exported weights are the best epoch's (L2 is 0)
    }

    [Fact]
    public void Stratified_validation_split_when_the_set_has_none()
    {
        using var data = new TempDir();
        SyntheticFeatures.Write(data.Path, 50, 4, 2, withVal: false);
        var set = FeatureSet.Load(data.Path);
        var (train, val) = DataSplits.Of(set, new TrainerOptions { ValidationSplit = 0.2f });
        Assert.Equal(40, train.Length);
        Assert.Equal(5, val.Count(i => set.Labels[i] == 0));
        Assert.Equal(5, val.Count(i => set.Labels[i] == 1));
        Assert.Empty(train.Intersect(val));
    }

    [Fact]
    public void Bad_inputs_give_clear_errors()
    {
        using var nan = new TempDir();
        SyntheticFeatures.Write(nan.Path, 20, 4, 2, tamper: f => f[13 * 4 + 2] = float.NaN);
        var e = Assert.Throws<OnnxTransferException>(() => FeatureSet.Load(nan.Path));
        Assert.Contains("img0013.jpg", e.Message);
        Assert.Contains("part-00001.parquet", e.Message);

        using var one = new TempDir();
        SyntheticFeatures.Write(one.Path, 20, 4, 1);
        using var run = new TempDir();
        e = Assert.Throws<OnnxTransferException>(() => new Trainer(Fast()).Train(FeatureSet.Load(one.Path), run.Path));
        Assert.Contains("only one class", e.Message);

        using var ok = new TempDir();
        SyntheticFeatures.Write(ok.Path, 20, 4, 3);
        e = Assert.Throws<OnnxTransferException>(() => FeatureSet.Load(ok.Path, "nope"));
        Assert.Contains("available: gap", e.Message);
        e = Assert.Throws<OnnxTransferException>(() => new Trainer(Fast() with { Loss = LossKind.Binary }).Train(FeatureSet.Load(ok.Path), run.Path));
        Assert.Contains("exactly 2 classes", e.Message);

        File.WriteAllBytes(Path.Combine(ok.Path, "backbone.onnx"), [9, 9]);
        e = Assert.Throws<OnnxTransferException>(() => new Trainer(Fast() with { Epochs = 1 }).Train(FeatureSet.Load(ok.Path), run.Path));
        Assert.Contains("sha256", e.Message);
        // Refused before it took its name: no backbone in the run, and no temporary one either.
        Assert.DoesNotContain(Directory.GetFiles(run.Path), f => Path.GetFileName(f).Contains("backbone", StringComparison.Ordinal));
    }

    [Fact]
    public void Memory_check_refuses_sets_larger_than_available_memory()
    {
        var e = Assert.Throws<OnnxTransferException>(() => FeatureSetReader.CheckMemory("big", 1L << 20, 1L << 20));
        Assert.Contains("MiB", e.Message);
        FeatureSetReader.CheckMemory("small", 100, 100);
    }
}
