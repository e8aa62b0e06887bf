using System.Globalization;
using System.Text.RegularExpressions;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Cli.Tests;

/// <summary>`onnx-transfer demo --offline` run once, with an empty model cache: the whole pipeline on generated data.</summary>
public sealed class DemoRun : IDisposable
{
    private readonly TempDir _dir = new();

    public DemoRun()
    {
        Root = _dir.File("demo");
        using (Cli.Env("ONNX_TRANSFER_CACHE", _dir.File("cache")))
            Result = Cli.Run("demo", "--offline", "--model", "mobilenet", "-o", Root);
    }

    public string Root { get; }
    public CliResult Result { get; }

    public string File(params string[] parts) => _dir.File(parts);

    public void Dispose() => _dir.Dispose();

    public const string Collection = "demo run";
}

/// <summary>One demo run shared by the test classes that read its data, run and features.</summary>
[CollectionDefinition(DemoRun.Collection)]
public sealed class DemoCollection : ICollectionFixture<DemoRun>;

[Collection(DemoRun.Collection)]
public class PipelineCliTests(DemoRun demo)
{    /// <summary>train's plan lines as one line each: they wrap at 80 columns under their label (10 spaces).</summary>
    private static string Unwrapped(string output) => System.Text.RegularExpressions.Regex.Replace(output, "\r?\n {10}", " ");


    private string Run => Path.Combine(demo.Root, "run");
    private string Val => Path.Combine(demo.Root, "data", "val");

    [Fact]
    public void Train_says_which_split_chose_the_epoch_and_reports_the_clean_one_apart()
    {
        string run = demo.File("holdout-run");
        var r = Cli.Run("train", Path.Combine(demo.Root, "features"), "--holdout", "0.25", "--head", "mlp:8", "--epochs", "3", "-o", run);
        Assert.True(r.ExitCode == 0, r.Error);
        // The plan before epoch 1, one topic a line, each within 80 columns.
        Assert.Matches(@"\n  train +\d+ images\n  holdout +\d+ images, choose the epoch \(their numbers read optimistic\)\n  val +\d+ images, clean: never trained or selected on\n", r.Out);
        Assert.Matches(@"\nhead: +\d+ -> dense 8 -> relu -> dropout 0\.5 -> dense 3 -> softmax, [\d,]+ parameters\n", Unwrapped(r.Out));
        string last = r.Out.TrimEnd().Split('\n')[^1];
        Assert.Matches(@"^holdout accuracy [\d.]+ %, AUC [\d.]+ \(chose the epoch\); val accuracy [\d.]+ %, AUC [\d.]+ \(clean\) \(sgd, best epoch \d of 3\)", last);
        Assert.True(File.Exists(Path.Combine(run, "report.val.json")));
    }

    [Fact]
    public void Demo_runs_the_whole_pipeline_offline_and_says_the_weights_are_random()
    {
        Assert.True(demo.Result.ExitCode == 0, demo.Result.Error);
        Assert.Contains("240 images -> 240 rows, 0 errors", demo.Result.Out);
        // No silent decoder choice; the demo's lines wrap at 80 columns, so the words are compared.
        static string Words(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(Words(Extractor.Imaging.JpegDecoders.Describe(Extractor.Imaging.JpegDecoder.Auto)), Words(demo.Result.Out));
        foreach (string file in new[] { "run/head.onnx", "run/head.json", "run/backbone.onnx", "run/report.json", "run/curves.png", "run/confusion.png", "classifier.onnx",
                     "evaluation/report.json", "evaluation/report.html", "evaluation/confusion.png" })
            Assert.True(File.Exists(Path.Combine(demo.Root, file)), $"{file} missing");
        var info = ModelInfo.Read(OnnxModelFile.Load(Path.Combine(demo.Root, "classifier.onnx")));
        Assert.True(info.RandomWeights);
        Assert.Equal(["autumn", "forest", "ocean"], info.Classes);
    }

    [Fact]
    public void A_demo_that_cannot_fetch_its_weights_says_why_in_the_CLI_s_own_terms_and_runs_on_random_ones()
    {
        using var dir = new TempDir();
        // Port 9 on the loopback refuses at once: the download fails without touching a network.
        var env = new Dictionary<string, string> { ["ONNX_TRANSFER_CACHE"] = dir.File("cache"), ["ONNX_TRANSFER_WEIGHTS_URL"] = "http://127.0.0.1:9/" };
        var r = ChildCli.Run(TimeSpan.FromMinutes(5), null, env, "demo", "--model", "mobilenet", "-o", dir.File("demo"));
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("RANDOM weights (seed", r.Out);
        Assert.Contains("could not fetch them", r.Out);
        // The library's advice names its API; the CLI's panel must name the command instead.
        Assert.Contains("onnx-transfer models import --keras", string.Join(' ', r.Out.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
        Assert.DoesNotContain("KerasImporter.Import", r.Out);
    }

    [Fact]
    public void Predict_csv_lists_every_image_with_top_classes()
    {
        var r = Cli.Run("predict", Run, Val, "--format", "csv", "--top-k", "2", "--quiet");
        Assert.Equal(0, r.ExitCode);
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("path,top1,p1,top2,p2", lines[0]);
        Assert.Equal(60, lines.Length - 1);
        Assert.All(lines.Skip(1), l => Assert.Equal(5, l.Split(',').Length));
    }

    [Fact]
    public void Predict_reports_unreadable_files_and_goes_on()
    {
        string folder = demo.File("mixed");
        Directory.CreateDirectory(folder);
        File.Copy(Directory.EnumerateFiles(Path.Combine(Val, "ocean")).First(), Path.Combine(folder, "good.jpg"));
        File.WriteAllText(Path.Combine(folder, "broken.jpg"), "not a jpeg");
        var r = Cli.Run("predict", Run, folder, "--format", "json", "--quiet");
        Assert.Equal(0, r.ExitCode);
        Assert.Single(r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("skipped broken.jpg", r.Error);
        Assert.Contains("1 of 2 images classified, 1 unreadable", r.Error);
    }

    [Fact]
    public void Evaluate_writes_the_report_and_misclassified_list()
    {
        string output = demo.File("eval");
        var r = Cli.Run("evaluate", Run, Path.Combine(demo.Root, "data"), "--split", "val", "-o", output, "--quiet");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("on 60 images", r.Out);
        Assert.True(File.Exists(Path.Combine(output, "report.json")));
        Assert.True(File.Exists(Path.Combine(output, "confusion.png")));
        Assert.StartsWith("path\ttrue_class", File.ReadAllText(Path.Combine(output, "misclassified.tsv")));
    }

    [Fact]
    public void Evaluate_says_when_its_rows_trained_or_chose_the_head_and_quiet_prints_one_line()
    {
        string features = Path.Combine(demo.Root, "features");
        var onVal = Cli.Run("evaluate", Run, features, "--split", "val", "-q", "-o", demo.File("note-val"));
        Assert.True(onVal.ExitCode == 0, onVal.Error);
        Assert.Single(onVal.Out.Trim().Split('\n')); // -q: the final line only, as train's
        Assert.Contains("warning: val chose this run's epoch", onVal.Error);
        var written = HeadTrainer.Reporting.ClassificationReport.FromJson(File.ReadAllText(demo.File("note-val", "report.json")));
        Assert.Equal(("val", true), (written.Split, written.ChoseEpoch));
        var all = Cli.Run("evaluate", Run, features, "-q", "-o", demo.File("note-all"));
        Assert.Contains("warning: these rows include the train split", all.Error);
        // A run whose epoch a holdout chose: its val rows are clean, and nothing is said.
        string clean = demo.File("note-holdout-run");
        Assert.Equal(0, Cli.Run("train", features, "--holdout", "0.25", "--epochs", "2", "-o", clean, "-q").ExitCode);
        var honest = Cli.Run("evaluate", clean, features, "--split", "val", "-q", "-o", demo.File("note-clean"));
        Assert.True(honest.ExitCode == 0 && honest.Error.Length == 0, honest.Error);
        var cleanReport = HeadTrainer.Reporting.ClassificationReport.FromJson(File.ReadAllText(demo.File("note-clean", "report.json")));
        Assert.Equal(("val", false), (cleanReport.Split, cleanReport.ChoseEpoch));
    }

    [Fact]
    public void A_short_side_run_is_predicted_and_exported_with_its_own_crop()
    {
        string features = demo.File("short-side-features"), run = demo.File("short-side-run");
        var extract = Cli.Run("extract", Path.Combine(demo.Root, "data"), "--model", Path.Combine(demo.Root, "features", "backbone.onnx"),
            "--resize", "short-side", "--interpolation", "pil-bicubic", "--crop-fraction", "0.9", "-o", features, "-q");
        Assert.True(extract.ExitCode == 0, extract.Error);
        Assert.Equal(0, Cli.Run("train", features, "--epochs", "2", "-o", run, "-q").ExitCode);
        var source = HeadTrainer.Export.HeadSidecar.Load(run).Source;
        Assert.Equal(("short-side", "pil-bicubic", "0.9"), (source.Resize, source.Interpolation, source.CropFraction));
        // Photos decoded again by evaluate get the very crop the features had: the same predictions, image for image.
        var photos = Cli.Run("evaluate", run, Path.Combine(demo.Root, "data"), "--split", "val", "-o", demo.File("ss-photos"), "-q");
        var rows = Cli.Run("evaluate", run, features, "--split", "val", "-o", demo.File("ss-features"), "-q");
        Assert.True(photos.ExitCode == 0 && rows.ExitCode == 0, photos.Error + rows.Error);
        Assert.Equal(File.ReadAllText(demo.File("ss-photos", "report.json")), File.ReadAllText(demo.File("ss-features", "report.json")));
        // Pillow's filters cannot run in a graph: the raw-photo export is refused, the fixed one records the crop.
        var raw = Cli.Run("export", run, "-o", demo.File("ss.onnx"));
        Assert.Equal(2, raw.ExitCode);
        Assert.Contains("Export with --input fixed instead", Assert.Single(raw.ErrorLines));
        Assert.Equal(0, Cli.Run("export", run, "-o", demo.File("ss.onnx"), "--input", "fixed").ExitCode);
        var info = ModelInfo.Read(OnnxModelFile.Load(demo.File("ss.onnx")));
        Assert.Equal(("short-side", "0.9"), (info.Resize, info.CropFraction));
    }

    [Fact]
    public void A_crop_fraction_without_the_short_side_resize_is_refused()
    {
        var r = Cli.Run("extract", "photos", "--model", "m.onnx", "-o", "out", "--crop-fraction", "0.9");
        Assert.Equal(["error: --crop-fraction applies to --resize short-side, not stretch; leave it out, or use --resize short-side."], r.ErrorLines);
    }

    [Fact]
    public void Evaluate_on_the_feature_folder_scores_the_run_as_its_photos_do_without_decoding_them()
    {
        var photos = Cli.Run("evaluate", Run, Path.Combine(demo.Root, "data"), "--split", "val", "-o", demo.File("eval-photos"), "--quiet");
        var features = Cli.Run("evaluate", Run, Path.Combine(demo.Root, "features"), "--split", "val", "-o", demo.File("eval-features"));
        Assert.True(features.ExitCode == 0, features.Error);
        Assert.Contains("features: in memory (240 rows x ", features.Out);
        string Accuracy(string output) => System.Text.RegularExpressions.Regex.Match(output, @"accuracy (.+?) on 60 ").Groups[1].Value;
        Assert.NotEmpty(Accuracy(photos.Out));
        Assert.Contains("on 60 feature rows", features.Out);
        Assert.Equal(Accuracy(photos.Out), Accuracy(features.Out));
        // The same predictions, so the same images misclassified (paths relative to the photo folder in both).
        static string[] Wrong(string dir) => File.ReadAllLines(Path.Combine(dir, "misclassified.tsv")).Select(l => l.Split('\t')[0]).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Wrong(demo.File("eval-photos")), Wrong(demo.File("eval-features")));
    }

    [Fact]
    public void Evaluate_refuses_features_of_another_backbone_or_a_budget_too_small_in_one_line_writing_nothing()
    {
        string other = demo.File("other-mobilenet.onnx");
        Assert.Equal(0, Cli.Run("models", "import", "--random-weights", "--arch", "mobilenet", "--alpha", "0.25", "--seed", "2", "-o", other).ExitCode);
        string features = demo.File("other-features");
        var extract = Cli.Run("extract", Path.Combine(demo.Root, "data", "train"), "--model", other, "--layer", "conv_pw_13_relu", "--pool", "avg", "-o", features, "-q");
        Assert.True(extract.ExitCode == 0, extract.Error);

        var mismatch = Cli.Run("evaluate", Run, features, "-o", demo.File("eval-other"));
        Assert.Equal(2, mismatch.ExitCode);
        var line = Assert.Single(mismatch.ErrorLines);
        Assert.StartsWith($"error: Features '{Path.GetFullPath(features)}' differ from those run '{Run}' was trained on in model (sha256)", line);
        Assert.False(Directory.Exists(demo.File("eval-other")));

        var small = Cli.Run("evaluate", Run, Path.Combine(demo.Root, "features"), "--split", "val", "--max-memory", "100KB", "-o", demo.File("eval-small"));
        Assert.Equal(2, small.ExitCode);
        line = Assert.Single(small.ErrorLines);
        Assert.StartsWith("error: --max-memory 0.1 MB is too small to stream", line);
        Assert.EndsWith("raise --max-memory.", line);
        Assert.False(Directory.Exists(demo.File("eval-small")));
    }

    [Fact]
    public void Train_says_where_the_features_are_and_a_budget_too_small_to_stream_is_one_line_naming_the_flag()
    {
        string features = Path.Combine(demo.Root, "features");
        var ok = Cli.Run("train", features, "--epochs", "1", "--max-memory", "1GB", "-o", demo.File("run-budget"));
        Assert.True(ok.ExitCode == 0, ok.Error);
        Assert.Contains("features: in memory (240 rows x ", ok.Out);
        Assert.Contains("within the --max-memory budget of 1,000.0 MB)", Unwrapped(ok.Out));

        var small = Cli.Run("train", features, "--max-memory", "100KB", "-o", demo.File("run-small"));
        Assert.Equal(2, small.ExitCode);
        var line = Assert.Single(small.ErrorLines);
        Assert.StartsWith("error: --max-memory 0.1 MB is too small to stream", line);
        Assert.EndsWith("raise --max-memory or lower --batch-size.", line);
        Assert.False(Directory.Exists(demo.File("run-small")));
    }

    [Fact]
    public void A_linear_head_is_solved_by_lbfgs_at_scikit_learns_C_1_unless_mini_batch_options_are_given()
    {
        string features = Path.Combine(demo.Root, "features");
        var solved = Cli.Run("train", features, "-o", demo.File("run-lbfgs"));
        Assert.True(solved.ExitCode == 0, solved.Error);
        var sidecar = HeadTrainer.Export.HeadSidecar.Load(demo.File("run-lbfgs"));
        Assert.Equal(HeadTrainer.Training.SolverKind.Lbfgs, sidecar.Solver!.Solver);
        var plan = System.Text.RegularExpressions.Regex.Match(solved.Out, @"\n  train +([\d,]+) images\n");
        int trainRows = int.Parse(plan.Groups[1].Value, System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(1f / (2 * trainRows), sidecar.Training.L2); // 3 classes: λ = 1 / (2 C n)
        Assert.Contains(FormattableString.Invariant($"L-BFGS full batch, l2 {1f / (2 * trainRows):G3} (scikit-learn C 1)"), Unwrapped(solved.Out));
        Assert.Contains("(lbfgs, ", solved.Out);
        Assert.Contains("\nsolved    loss ", solved.Out);
        Assert.DoesNotContain("epoch   1/1", solved.Out);
        Assert.Contains("converged", solved.Out);
        // Asking for epochs is asking for mini-batch training; its default λ is 0, as Keras's.
        var epochs = Cli.Run("train", features, "--epochs", "2", "-o", demo.File("run-epochs"), "-q");
        Assert.True(epochs.ExitCode == 0, epochs.Error);
        var mini = HeadTrainer.Export.HeadSidecar.Load(demo.File("run-epochs"));
        Assert.Equal((HeadTrainer.Training.SolverKind.Sgd, 0f), (mini.Solver!.Solver, mini.Training.L2));
    }

    [Fact]
    public void Export_writes_a_classifier_that_predicts_like_the_run()
    {
        string file = demo.File("exported.onnx");
        var export = Cli.Run("export", Run, "-o", file);
        Assert.Equal(0, export.ExitCode);
        Assert.Contains("input 'image' uint8 [N,H,W,3] RGB, a decoded upright photo of any size", export.Out);
        var fromRun = Cli.Run("predict", Run, Val, "--format", "csv", "--quiet").Out;
        var fromFile = Cli.Run("predict", file, Val, "--format", "csv", "--quiet").Out;
        Assert.Equal(Top1(fromRun), Top1(fromFile));
    }

    [Fact]
    public void Export_refuses_raw_photos_for_a_resize_no_graph_reproduces_and_says_to_use_the_fixed_form()
    {
        string features = demo.File("pil-features"), run = demo.File("pil-run"), file = demo.File("pil.onnx");
        var extract = Cli.Run("extract", Path.Combine(demo.Root, "data", "train"), "--model", Path.Combine(Run, "backbone.onnx"), "--interpolation", "pil-bilinear", "-o", features);
        Assert.True(extract.ExitCode == 0, extract.Error);
        var train = Cli.Run("train", features, "--epochs", "2", "-o", run);
        Assert.True(train.ExitCode == 0, train.Error);

        var refused = Cli.Run("export", run, "-o", file);
        Assert.Equal(2, refused.ExitCode);
        var line = Assert.Single(refused.ErrorLines);
        Assert.Contains("for raw photos: --interpolation pil-bilinear is Pillow's resize", line);
        Assert.Contains("Export with --input fixed instead", line);
        Assert.False(File.Exists(file));

        var ok = Cli.Run("export", run, "-o", file, "--input", "fixed");
        Assert.Equal(0, ok.ExitCode);
        Assert.Contains("input 'image' float32 [N,", ok.Out);
        Assert.Contains("the graph does not resize", ok.Out);
        Assert.Equal(Top1(Cli.Run("predict", run, Val, "--format", "csv", "--quiet").Out),
                     Top1(Cli.Run("predict", file, Val, "--format", "csv", "--quiet").Out));
    }

    [Fact]
    public void Extract_runs_sessions_side_by_side_and_says_so()
    {
        string backbone = Path.Combine(Run, "backbone.onnx");
        var r = Cli.Run("extract", Val, "--model", backbone, "--device", "cpu", "--threads", "2", "--sessions", "2", "-o", demo.File("sessions"));
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("ONNX Runtime on cpu with 2 sessions of 1 thread(s)", r.Error);
        Assert.Contains("60 images -> 60 rows, 0 errors", r.Out);

        var bad = Cli.Run("extract", Val, "--model", backbone, "--threads", "2", "--sessions", "3", "-o", demo.File("bad"));
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal(["error: --sessions 3 needs at least one ORT thread per session, but --threads is 2; raise --threads or lower --sessions."], bad.ErrorLines);
    }

    [Fact]
    public void Extract_auto_says_which_device_and_batch_size_it_took_and_which_stage_binds()
    {
        string backbone = Path.Combine(Run, "backbone.onnx");
        var r = Cli.Run("extract", Val, "--model", backbone, "--device", "auto", "--batch-size", "auto", "-o", demo.File("auto"));
        Assert.True(r.ExitCode == 0, r.Error);
        string device = Assert.Single(r.ErrorLines, l => l.StartsWith("--device auto took ", StringComparison.Ordinal));
        string batch = Assert.Single(r.ErrorLines, l => l.StartsWith("--batch-size auto took ", StringComparison.Ordinal));
        if (!Extractor.Runtime.SessionFactory.IsGpuBuild)
        {
            Assert.Equal("--device auto took cpu: this build uses the CPU ONNX Runtime package", device);
            Assert.Equal("--batch-size auto took 32: auto on CPU: the default, larger batches run no faster", batch);
        }
        var rates = Regex.Match(r.Out, @"images/s on (cpu|cuda:0); decoding ([\d.]+) images/s, model ([\d.]+) images/s: (decoding|model) binds\); features in ");
        Assert.True(rates.Success, r.Out);
        double decode = double.Parse(rates.Groups[2].Value, CultureInfo.InvariantCulture), model = double.Parse(rates.Groups[3].Value, CultureInfo.InvariantCulture);
        Assert.True(decode > 0 && model > 0, r.Out);
        Assert.Equal(decode < model ? "decoding" : "model", rates.Groups[4].Value);

        var bad = Cli.Run("extract", Val, "--model", backbone, "--batch-size", "lots", "-o", demo.File("bad-batch"));
        Assert.Equal(["error: --batch-size lots is not a batch size; give a count of images (e.g. 64) or auto."], bad.ErrorLines);
        if (Extractor.Runtime.SessionFactory.IsGpuBuild) return;
        var cuda = Cli.Run("extract", Val, "--model", backbone, "--device", "cuda", "-o", demo.File("cuda"));
        Assert.Equal(["error: --device cuda:0: " + Extractor.Runtime.SessionFactory.CpuBuildMessage + "."], cuda.ErrorLines);
    }

    [Fact]
    public void Extract_dtype_float16_stores_float16_values_and_a_rerun_without_it_is_refused_in_flags()
    {
        string backbone = Path.Combine(Run, "backbone.onnx");
        string output = demo.File("float16");
        var r = Cli.Run("extract", Val, "--model", backbone, "--dtype", "float16", "-o", output);
        Assert.True(r.ExitCode == 0, r.Error);
        var set = Features.FeatureSet.Load(output);
        Assert.Equal(60, set.Rows);
        Assert.All(set.Features, v => Assert.Equal(v, (float)(Half)v));

        var again = Cli.Run("extract", Val, "--model", backbone, "-o", output);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("(dtype: \"float16\" -> \"float32\")", again.Error);
        Assert.Contains("start again with --overwrite.", again.Error);
        Assert.Equal(0, Cli.Run("extract", Val, "--model", backbone, "--dtype", "float32", "--overwrite", "-o", output).ExitCode);

        var bad = Cli.Run("extract", Val, "--model", backbone, "--dtype", "float64", "-o", output);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("float64", bad.Error);
    }

    [Fact]
    public void Predict_and_evaluate_say_what_the_input_was_taken_for()
    {
        var p = Cli.Run("predict", Run, Val, "--format", "csv");
        Assert.True(p.ExitCode == 0, p.Error);
        Assert.Contains("input: class folders, split 'val' (the folder's name): 60 images, 3 classes", p.Error);
        Assert.StartsWith("path,top1,p1", p.Out); // the notice stays off the CSV
        var e = Cli.Run("evaluate", Run, Val, "-o", demo.File("eval-notice"));
        Assert.True(e.ExitCode == 0, e.Error);
        Assert.Contains("input: class folders, split 'val' (the folder's name): 60 images, 3 classes", e.Error);
        Assert.DoesNotContain("input:", Cli.Run("evaluate", Run, Val, "-o", demo.File("eval-quiet"), "--quiet").Error);
    }

    [Fact]
    public void Predict_and_evaluate_choose_the_device_as_extract_does_by_default()
    {
        // `--device auto`, as extract's default: on this CPU build it falls back to the CPU and says why.
        var p = Cli.Run("predict", Run, Val, "--format", "csv", "--quiet");
        Assert.True(p.ExitCode == 0, p.Error);
        Assert.Contains("using cpu: ", p.Error);
        var e = Cli.Run("evaluate", Run, Val, "-o", demo.File("eval-device"), "--quiet");
        Assert.True(e.ExitCode == 0, e.Error);
        Assert.Contains("using cpu: ", e.Error);
    }

    /// <summary>A list file laid out as Food-101's meta/train.txt: "class/id" lines, images under ../images, classes.txt beside it.</summary>
    [Fact]
    public void Extract_takes_a_food101_list_as_it_is()
    {
        string root = demo.File("food");
        var listed = new List<string>();
        foreach (string dir in Directory.EnumerateDirectories(Val).Order(StringComparer.Ordinal))
        {
            string label = Path.GetFileName(dir);
            Directory.CreateDirectory(Path.Combine(root, "images", label));
            foreach (string file in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal).Take(2))
            {
                File.Copy(file, Path.Combine(root, "images", label, Path.GetFileName(file)));
                listed.Add($"{label}/{Path.GetFileNameWithoutExtension(file)}");
            }
        }
        listed.Add("ocean/not-there");
        Directory.CreateDirectory(Path.Combine(root, "meta"));
        File.WriteAllLines(Path.Combine(root, "meta", "classes.txt"), ["autumn", "forest", "ocean"]);
        File.WriteAllLines(Path.Combine(root, "meta", "train.txt"), listed);

        string output = demo.File("food-features");
        var r = Cli.Run("extract", Path.Combine(root, "meta", "train.txt"), "--model", Path.Combine(Run, "backbone.onnx"), "-o", output);
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("input: list file train.txt (paths relative to ../images; labels from class folders named in classes.txt), split train: 7 images, 3 classes", r.Error);
        Assert.Contains("7 images -> 6 rows, 1 errors", r.Out);
        Assert.Equal(["autumn", "forest", "ocean"], System.Text.Json.JsonSerializer.Deserialize<string[]>(File.ReadAllText(Path.Combine(output, "classes.json")))!);
        Assert.StartsWith("ocean/not-there\tcannot read file", File.ReadAllLines(Path.Combine(output, "errors.tsv"))[1]);
    }

    [Theory]
    [InlineData("predict", "/nonexistent/run", "x.jpg")]
    [InlineData("evaluate", "/nonexistent/run", "photos")]
    [InlineData("export", "/nonexistent/run", "-o", "out.onnx")]
    public void A_missing_run_is_a_one_line_error(params string[] args)
    {
        var r = Cli.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.ErrorLines);
        Assert.StartsWith("error:", r.ErrorLines[0]);
    }

    private static string[] Top1(string csv) =>
        csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => string.Join(',', l.Split(',').Take(2))).ToArray();
}
