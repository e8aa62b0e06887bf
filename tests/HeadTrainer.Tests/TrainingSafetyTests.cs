using System.Text.Json;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Reporting;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.IO;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.HeadTrainer.Tests;

/// <summary>Garbage in must not exit 0: non-finite options, diverging losses, empty classes, a stopped run, a busy folder.</summary>
public class TrainingSafetyTests
{
    private static TrainerOptions Fast => new() { Solver = SolverKind.Sgd, Epochs = 3, BatchSize = 16, LearningRate = 0.01f, Patience = 0 };

    [Theory]
    [InlineData("lr")]
    [InlineData("l2")]
    [InlineData("momentum")]
    [InlineData("smoothing")]
    [InlineData("split")]
    public void Non_finite_options_are_refused(string option)
    {
        var options = option switch
        {
            "lr" => Fast with { LearningRate = float.NaN },
            "l2" => Fast with { L2 = float.PositiveInfinity },
            "momentum" => Fast with { Momentum = float.NaN },
            "smoothing" => Fast with { LabelSmoothing = float.NaN },
            _ => Fast with { ValidationSplit = float.NaN },
        };
        var e = Assert.Throws<OnnxTransferException>(options.Validate);
        Assert.Contains("is not a finite number", e.Message);
    }

    [Fact]
    public void Huge_features_stop_training_with_the_cause_and_write_no_head()
    {
        using var dir = new TempDir();
        using var run = new TempDir();
        SyntheticFeatures.Write(dir.Path, 40, 4, 2, tamper: f => { for (int i = 0; i < f.Length; i += 3) f[i] = i % 2 == 0 ? 3.4e38f : -3.4e38f; });
        var e = Assert.Throws<OnnxTransferException>(() => new Trainer(Fast).Train(FeatureSet.Load(dir.Path), run.Path));
        Assert.Contains("Training diverged in epoch 1", e.Message);
        Assert.Contains("features reach 3.4E+38 in magnitude", e.Message);
        Assert.Contains("No head was written", e.Message);
        Assert.False(File.Exists(run.File(RunFiles.HeadModel)));
        Assert.False(File.Exists(run.File(RunFiles.Sidecar)));
    }

    [Fact]
    public void A_learning_rate_that_blows_up_names_itself()
    {
        using var dir = new TempDir();
        using var run = new TempDir();
        SyntheticFeatures.Write(dir.Path, 60, 8, 3, separation: 50f);
        var options = Fast with { Optimizer = OptimizerKind.Sgd, LearningRate = 1e30f, Momentum = 0.9f, Head = HeadSpec.Parse("mlp:16") };
        var e = Assert.Throws<OnnxTransferException>(() => new Trainer(options).Train(FeatureSet.Load(dir.Path), run.Path));
        Assert.Contains("Training diverged", e.Message);
        Assert.Contains("learning rate 1E+30 is likely too high", e.Message);
        Assert.False(File.Exists(run.File(RunFiles.HeadModel)));
    }

    [Fact]
    public void A_class_without_training_rows_is_a_warning_in_the_output_and_the_report()
    {
        using var dir = new TempDir();
        using var run = new TempDir();
        SyntheticFeatures.Write(dir.Path, 30, 4, 3);
        File.WriteAllText(Path.Combine(dir.Path, FeatureFormat.ClassesFile), JsonSerializer.Serialize(new[] { "class0", "class1", "class2", "zebra" }));
        var trainer = new Trainer(Fast);
        var warnings = new List<string>();
        trainer.Warning += warnings.Add;
        trainer.Train(FeatureSet.Load(dir.Path), run.Path);
        Assert.Contains(warnings, w => w.Contains("1 class(es) have no training rows") && w.Contains("'zebra'"));
        var report = ClassificationReport.FromJson(File.ReadAllText(run.File(RunFiles.Report)));
        Assert.Contains(report.Warnings, w => w.Contains("'zebra'"));
    }

    [Fact]
    public void A_stopped_run_says_which_checkpoint_it_kept_and_resume_continues()
    {
        using var dir = new TempDir();
        using var run = new TempDir();
        SyntheticFeatures.Write(dir.Path, 60, 4, 3);
        var set = FeatureSet.Load(dir.Path);
        using var cts = new CancellationTokenSource();
        var trainer = new Trainer(Fast with { Epochs = 5 });
        trainer.EpochCompleted += m => { if (m.Epoch == 2) cts.Cancel(); };
        var e = Assert.Throws<TrainingCancelledException>(() => trainer.Train(set, run.Path, cts.Token));
        Assert.Equal(2, e.Epoch);
        Assert.Contains("stopped in epoch 3 of 5", e.Message);
        Assert.Contains("keeps the checkpoint of epoch 2: rerun with `Resume`", e.Message);
        Assert.False(File.Exists(run.File(RunFiles.HeadModel)));

        var resumed = new Trainer(Fast with { Epochs = 5, Resume = true }).Train(set, run.Path);
        Assert.Equal(5, resumed.History.Count);
    }

    [Fact]
    public void A_run_folder_in_use_is_refused()
    {
        using var dir = new TempDir();
        using var run = new TempDir();
        SyntheticFeatures.Write(dir.Path, 30, 4, 3);
        using var held = FolderLock.Acquire(run.Path, "train");
        var e = Assert.Throws<OnnxTransferException>(() => new Trainer(Fast).Train(FeatureSet.Load(dir.Path), run.Path));
        Assert.Contains($"is in use by another onnx-transfer process (pid {Environment.ProcessId} on {Environment.MachineName}, train)", e.Message);
    }

    [Fact]
    public void A_finished_run_is_never_silently_replaced_and_overwriting_clears_all_of_it()
    {
        using var data = new TempDir();
        using var run = new TempDir();
        SyntheticFeatures.Write(data.Path, 40, 4, 2);
        var set = FeatureSet.Load(data.Path);
        new Trainer(Fast).Train(set, run.Path);
        byte[] first = File.ReadAllBytes(run.File(RunFiles.HeadModel));
        Directory.CreateDirectory(run.File(RunFiles.EvaluationFolder));
        File.WriteAllText(run.File(RunFiles.EvaluationFolder, "report.json"), "{}");

        var e = Assert.Throws<OnnxTransferException>(() => new Trainer(Fast with { Seed = 7 }).Train(set, run.Path));
        Assert.StartsWith($"Run folder '{run.Path}' already holds a run (head.onnx, head.json, ", e.Message);
        Assert.EndsWith("continue it (`Resume`), replace it (`Overwrite`), or choose another folder.", e.Message);
        Assert.Equal(first, File.ReadAllBytes(run.File(RunFiles.HeadModel)));

        new Trainer(Fast with { Seed = 7, Overwrite = true }).Train(set, run.Path);
        Assert.NotEqual(first, File.ReadAllBytes(run.File(RunFiles.HeadModel)));
        Assert.False(Directory.Exists(run.File(RunFiles.EvaluationFolder))); // no old evaluation beside the new head
        Assert.Throws<OnnxTransferException>(() => new Trainer(Fast with { Resume = true, Overwrite = true }).Train(set, run.Path));
    }

    [Fact]
    public void A_feature_folder_is_refused_as_a_run_folder()
    {
        using var data = new TempDir();
        SyntheticFeatures.Write(data.Path, 40, 4, 2);
        var e = Assert.Throws<OnnxTransferException>(() => new Trainer(Fast).Train(FeatureSet.Load(data.Path), data.Path));
        Assert.Contains("is a feature folder", e.Message);
        Assert.False(File.Exists(data.File(RunFiles.HeadModel)));
    }
}
