using System.CommandLine;
using System.Globalization;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.Cli.Reports;
using OnnxTransfer.HeadTrainer.Training;
using Spectre.Console;

namespace OnnxTransfer.Cli.Commands;

/// <summary>`onnx-transfer train &lt;features-dir&gt; --head H -o RUN`: fits a dense head on extracted features.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var d = new TrainerOptions();
        var features = new Argument<string[]>("features-dir")
        {
            Description = "Feature directories written by onnx-transfer extract; several are trained on as one set (same model, layer and classes).",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string>("--output", "-o") { Description = "Run directory (head.onnx, head.json, report, plots, checkpoints).", Required = true };
        var head = new Option<string>("--head") { Description = $"Head: {HeadSpec.ValidForms}.", DefaultValueFactory = _ => "linear" };
        var layer = new Option<string?>("--layer") { Description = "Feature layer (default: the only one)." };
        var dropout = new Option<float>("--dropout") { Description = "Dropout rate (mlp, bn-dropout).", DefaultValueFactory = _ => d.Dropout };
        var l2 = new Option<float?>("--l2")
        {
            Description = "L2 kernel penalty λ Σ w². Default: scikit-learn's C=1 (1/(2n) for n training rows) when lbfgs fits the head, else 0.",
        };
        var loss = new Option<string>("--loss") { Description = "softmax or binary (sigmoid, 2 classes).", DefaultValueFactory = _ => "softmax" };
        loss.AcceptOnlyFromAmong("softmax", "binary");
        var smoothing = new Option<float>("--label-smoothing") { Description = "Label smoothing.", DefaultValueFactory = _ => d.LabelSmoothing };
        var classWeight = new Option<string>("--class-weight") { Description = "none or balanced (n / (k count_c)).", DefaultValueFactory = _ => "none" };
        classWeight.AcceptOnlyFromAmong("none", "balanced");
        var optimizer = new Option<string>("--optimizer") { Description = "sgd, adam or adamw (Keras update rules).", DefaultValueFactory = _ => "adam" };
        optimizer.AcceptOnlyFromAmong("sgd", "adam", "adamw");
        var solver = new Option<string>("--solver")
        {
            Description = "auto (lbfgs for a linear head in memory, unless --l2 0 or a mini-batch option such as --epochs or --lr is given; else sgd), " +
                          "lbfgs (full batch, to the optimum) or sgd (mini-batch epochs with --optimizer).",
            DefaultValueFactory = _ => "auto",
        };
        solver.AcceptOnlyFromAmong("auto", "lbfgs", "sgd");
        var tol = new Option<float>("--tol") { Description = "lbfgs: stop when the largest gradient component is at most this.", DefaultValueFactory = _ => d.Tolerance };
        var maxIter = new Option<int>("--max-iter") { Description = "lbfgs: iteration cap (reaching it is reported as not converged).", DefaultValueFactory = _ => d.MaxIterations };
        var lr = new Option<float>("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => d.LearningRate };
        var momentum = new Option<float>("--momentum") { Description = "SGD momentum.", DefaultValueFactory = _ => d.Momentum };
        var nesterov = new Option<bool>("--nesterov") { Description = "Nesterov momentum (SGD)." };
        var weightDecay = new Option<float>("--weight-decay") { Description = "AdamW decoupled weight decay.", DefaultValueFactory = _ => d.WeightDecay };
        var schedule = new Option<string>("--schedule") { Description = "constant, step, poly or cosine.", DefaultValueFactory = _ => "constant" };
        schedule.AcceptOnlyFromAmong("constant", "step", "poly", "cosine");
        var stepSize = new Option<int>("--step-size") { Description = "Step schedule: epochs between decays.", DefaultValueFactory = _ => d.StepSize };
        var gamma = new Option<float>("--gamma") { Description = "Step schedule: decay factor.", DefaultValueFactory = _ => d.Gamma };
        var power = new Option<float>("--power") { Description = "Poly schedule: power.", DefaultValueFactory = _ => d.Power };
        var endLr = new Option<float>("--end-lr") { Description = "Poly schedule: final learning rate.", DefaultValueFactory = _ => d.EndLearningRate };
        var warmup = new Option<int>("--warmup-epochs") { Description = "Linear warmup epochs.", DefaultValueFactory = _ => d.WarmupEpochs };
        var batch = new Option<int>("--batch-size") { Description = "Mini-batch size.", DefaultValueFactory = _ => d.BatchSize };
        var epochs = new Option<int>("--epochs") { Description = "Maximum epochs.", DefaultValueFactory = _ => d.Epochs };
        var seed = new Option<ulong>("--seed") { Description = "Seed (same seed, same head).", DefaultValueFactory = _ => d.Seed };
        var valSplit = new Option<float>("--val-split") { Description = "Stratified holdout fraction of train that validates when the set has no val split.", DefaultValueFactory = _ => d.ValidationSplit };
        var holdout = new Option<float>("--holdout")
        {
            Description = "Hold out this stratified fraction of train to choose the epoch even when the set has a val split, which is then reported apart as a clean test " +
                          "(test rows always are). Default 0: val chooses, and its numbers read optimistic.",
            DefaultValueFactory = _ => d.Holdout,
        };
        var monitor = new Option<string>("--monitor") { Description = "val_loss, val_accuracy or val_auc.", DefaultValueFactory = _ => "val_loss" };
        monitor.AcceptOnlyFromAmong("val_loss", "val_accuracy", "val_auc");
        var patience = new Option<int>("--patience") { Description = "Early stopping patience (0: off).", DefaultValueFactory = _ => d.Patience };
        var minDelta = new Option<float>("--min-delta") { Description = "Minimum improvement.", DefaultValueFactory = _ => d.MinDelta };
        var restoreBest = new Option<bool>("--restore-best") { Description = "Export the best epoch's weights (on by default; --no-restore-best exports the last epoch's).", DefaultValueFactory = _ => d.RestoreBest };
        var noRestoreBest = new Option<bool>("--no-restore-best") { Description = "Export the last epoch's weights instead of the best epoch's." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a run already in the run directory (without it, such a folder is refused unless --resume)." };
        var resume = new Option<bool>("--resume") { Description = "Continue from the run directory's last checkpoint." };
        var sweep = new Option<bool>("--sweep-layers") { Description = "Train on every layer (run-dir/<layer>) and report the best on validation." };
        var topK = new Option<int>("--top-k") { Description = "k of top-k accuracy.", DefaultValueFactory = _ => d.TopK };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the final summary." };
        var allowPartial = new Option<bool>("--allow-partial") { Description = "Train on the finished shards of an extraction that is not finished (said in the output)." };
        var maxMemory = new Option<string?>("--max-memory")
        {
            Description = "Memory for the features, e.g. 2GB: a set that fits is loaded, a larger one is streamed from its shards. Default: half the memory available.",
        };

        var command = new Command("train", "Train a dense classifier head on extracted features.")
        {
            features, output, head, layer, dropout, l2, loss, smoothing, classWeight, solver, tol, maxIter, optimizer, lr, momentum, nesterov, weightDecay,
            schedule, stepSize, gamma, power, endLr, warmup, batch, epochs, seed, valSplit, holdout, monitor, patience, minDelta, restoreBest,
            noRestoreBest, overwrite, resume, sweep, topK, quiet, allowPartial, maxMemory,
        };
        // Synchronous work, but the async overload is the one that receives Ctrl-C as a token.
        command.SetAction((parse, ct) => Task.FromResult(Execute(parse, ct)));
        return command;

        int Execute(ParseResult parse, CancellationToken ct)
        {
            string opt = parse.GetValue(optimizer)!;
            // An option the chosen optimizer ignores is refused rather than silently dropped.
            if (opt != "sgd")
                foreach (var sgdOnly in new Option[] { momentum, nesterov }.Where(o => parse.GetResult(o) is { Implicit: false }))
                    throw new OnnxTransferException($"{sgdOnly.Name} applies to --optimizer sgd; {opt} keeps its own moment estimates: leave it out, or use --optimizer sgd.");
            var solverKind = Solver(parse, solver, SettingFlags(command, TrainerOptions.MiniBatchSettings), SettingFlags(command, TrainerOptions.LbfgsSettings));
            var options = new TrainerOptions
            {
                Layer = parse.GetValue(layer),
                Head = HeadSpec.Parse(parse.GetValue(head)!),
                Dropout = parse.GetValue(dropout),
                L2 = parse.GetValue(l2),
                Loss = parse.GetValue(loss) == "binary" ? LossKind.Binary : LossKind.Softmax,
                LabelSmoothing = parse.GetValue(smoothing),
                ClassWeight = parse.GetValue(classWeight) == "balanced" ? ClassWeighting.Balanced : ClassWeighting.None,
                Solver = solverKind,
                Tolerance = parse.GetValue(tol),
                MaxIterations = parse.GetValue(maxIter),
                Optimizer = Enum.Parse<OptimizerKind>(parse.GetValue(optimizer)!, ignoreCase: true),
                LearningRate = parse.GetValue(lr),
                Momentum = parse.GetValue(momentum),
                Nesterov = parse.GetValue(nesterov),
                WeightDecay = parse.GetValue(weightDecay),
                Schedule = Enum.Parse<ScheduleKind>(parse.GetValue(schedule)!, ignoreCase: true),
                StepSize = parse.GetValue(stepSize),
                Gamma = parse.GetValue(gamma),
                Power = parse.GetValue(power),
                EndLearningRate = parse.GetValue(endLr),
                WarmupEpochs = parse.GetValue(warmup),
                BatchSize = parse.GetValue(batch),
                Epochs = parse.GetValue(epochs),
                Seed = parse.GetValue(seed),
                ValidationSplit = parse.GetValue(valSplit),
                Holdout = parse.GetValue(holdout),
                Monitor = Enum.Parse<MonitorMetric>(parse.GetValue(monitor)!.Replace("_", ""), ignoreCase: true),
                Patience = parse.GetValue(patience),
                MinDelta = parse.GetValue(minDelta),
                RestoreBest = RestoreBest(parse, restoreBest, noRestoreBest),
                Overwrite = parse.GetValue(overwrite),
                Resume = parse.GetValue(resume),
                TopK = parse.GetValue(topK),
            };
            options.Validate();
            string[] dirs = parse.GetValue(features)!;
            string runDir = parse.GetValue(output)!;
            bool isQuiet = parse.GetValue(quiet);
            var read = new FeatureSetOptions
            {
                Layer = options.Layer,
                AllowPartial = parse.GetValue(allowPartial),
                MaxMemory = parse.GetValue(maxMemory) is { } m ? ByteSize.Parse(m, "--max-memory") : null,
            };
            if (!parse.GetValue(sweep))
            {
                var result = TrainOne(FeatureSet.Open(dirs, read), options, runDir, isQuiet, ct);
                if (!isQuiet) ReportConsole.Render(result.Validation, Terminal.Out);
                Console.WriteLine(Summary(result));
                return 0;
            }
            if (dirs.Length > 1) throw new OnnxTransferException("--sweep-layers takes one feature directory; sweep each, or train the union on one --layer.");
            var layerNames = FeatureSet.Layers(dirs[0]);
            var folders = LayerFolders.For(layerNames);
            var runs = new List<(SweepLayer Layer, TrainingResult Result)>();
            foreach (string name in layerNames)
            {
                if (!isQuiet) Terminal.Out.MarkupLine($"[bold]layer {Markup.Escape(name)}[/]");
                var set = FeatureSet.Open(dirs, read with { Layer = name });
                var r = TrainOne(set, options with { Layer = name }, Path.Combine(runDir, folders[name]), isQuiet, ct);
                var v = r.Validation;
                runs.Add((new SweepLayer(name, folders[name], set.Width, v.Accuracy, v.TopKAccuracy, v.Auc, v.LogLoss, r.BestEpoch,
                    r.Clean.ToDictionary(c => c.Split, c => c.Accuracy)), r));
            }
            var sweepSummary = SweepSummary.Of([.. runs.Select(x => x.Layer)], runs[0].Result.Validation.Split);
            sweepSummary.Save(runDir);
            Terminal.Out.Write(SweepTable(sweepSummary));
            var best = runs.First(x => x.Layer.Layer == sweepSummary.BestLayer);
            Console.WriteLine($"best layer: {best.Layer.Layer}, run {Path.Combine(runDir, best.Layer.Run)} ({Summary(best.Result)}); all layers in {Path.Combine(runDir, SweepSummary.FileName)}");
            return 0;
        }
    }

    private static readonly string[] SweepColumns = ["layer", "width", "accuracy", "top-k", "AUC", "epoch"];

    /// <summary>The sweep at a glance: each layer's validation numbers (and clean accuracies), the best marked.</summary>
    private static Table SweepTable(SweepSummary sweep)
    {
        var clean = sweep.Layers.SelectMany(l => l.CleanAccuracy.Keys).Distinct().ToList();
        var table = new Table { Title = new TableTitle($"Layer sweep (chosen on {sweep.ValidationSplit})") };
        foreach (var c in SweepColumns.Concat(clean.Select(s => $"{s} (clean)"))) table.AddColumn(c);
        foreach (var l in sweep.Layers)
            table.AddRow([Markup.Escape(l.Layer) + (l.Layer == sweep.BestLayer ? " *" : ""), l.Width.ToString(CultureInfo.InvariantCulture), F(l.Accuracy), F(l.TopKAccuracy), F(l.Auc),
                l.BestEpoch.ToString(CultureInfo.InvariantCulture), .. clean.Select(s => l.CleanAccuracy.TryGetValue(s, out double a) ? F(a) : "-")]);
        return table;
    }

    /// <summary>--restore-best (on by default) and its plain off switch, --no-restore-best; both at once is a contradiction.</summary>
    private static bool RestoreBest(ParseResult parse, Option<bool> on, Option<bool> off)
    {
        bool asked = parse.GetResult(on) is { Implicit: false }, notAsked = parse.GetValue(off);
        if (asked && notAsked) throw new OnnxTransferException("--restore-best and --no-restore-best contradict each other; give one.");
        return !notAsked && parse.GetValue(on);
    }

    /// <summary>
    /// The options of <paramref name="command"/> that set <paramref name="settings"/> (TrainerOptions property names, through
    /// <see cref="LibraryTerms.Flags"/>); `RestoreBest` is set by --no-restore-best too.
    /// </summary>
    internal static Option[] SettingFlags(Command command, IReadOnlyList<string> settings) =>
    [
        .. settings.SelectMany(name => name == nameof(TrainerOptions.RestoreBest) ? [LibraryTerms.Flags[name], "--no-restore-best"] : new[] { LibraryTerms.Flags[name] })
            .Select(flag => command.Options.Single(o => o.Name == flag)),
    ];

    /// <summary>
    /// --solver, where auto takes mini-batch training when an option only it reads is given (asking for --epochs is asking
    /// for epochs); an option the chosen solver would not read is refused, not dropped.
    /// </summary>
    private static SolverKind Solver(ParseResult parse, Option<string> solver, Option[] miniBatch, Option[] lbfgs)
    {
        static Option? Given(ParseResult parse, Option[] options) => options.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false });
        var kind = Enum.Parse<SolverKind>(parse.GetValue(solver)!, ignoreCase: true);
        if (Given(parse, miniBatch) is { } epochsOption)
        {
            if (kind == SolverKind.Lbfgs)
                throw new OnnxTransferException($"{epochsOption.Name} applies to mini-batch training, and --solver lbfgs solves to the optimum without epochs: leave it out, or use --solver sgd.");
            kind = SolverKind.Sgd;
        }
        if (kind == SolverKind.Sgd && Given(parse, lbfgs) is { } lbfgsOption)
            throw new OnnxTransferException($"{lbfgsOption.Name} applies to --solver lbfgs, and this run trains on mini-batches{(parse.GetResult(solver) is { Implicit: false } ? "" : " (a mini-batch option was given)")}: leave it out, or drop the mini-batch options.");
        return kind;
    }

    private static TrainingResult TrainOne(FeatureSet set, TrainerOptions options, string runDir, bool quiet, CancellationToken ct)
    {
        var trainer = new Trainer(options);
        trainer.Warning += Terminal.Warn;
        int epochs = options.Epochs;
        if (!quiet) trainer.Planned += plan => Console.Write(PlanText(plan));
        bool solve = false;
        trainer.Planned += plan => (epochs, solve) = (plan.Epochs, plan.FullBatch);
        bool scheduled = options.Schedule != ScheduleKind.Constant || options.WarmupEpochs > 0;
        if (!quiet) trainer.EpochCompleted += m => Console.WriteLine(solve ? EpochLine.Solved(m) : EpochLine.Format(m, epochs, scheduled));
        // A solve prints its one line at the end; a long one (100k rows of 2,048 floats) says how it goes every few seconds.
        var shown = System.Diagnostics.Stopwatch.StartNew();
        if (!quiet)
            trainer.SolverIterated += p =>
            {
                if (shown.Elapsed < SolverLineInterval) return;
                shown.Restart();
                Console.Error.WriteLine(SolverLine(p));
            };
        var result = trainer.Train(set, runDir, ct);
        RunPictures.Save(result, options.RestoreBest);
        return result;
    }

    private static readonly TimeSpan SolverLineInterval = TimeSpan.FromSeconds(5);

    /// <summary>An L-BFGS solve's progress line, e.g. "lbfgs iteration 40/1000: |gradient| 3.2E-05 -> 1E-06, 62 %, 00:45 left".</summary>
    internal static string SolverLine(SolverProgress p) =>
        N($"lbfgs iteration {p.Iteration}/{p.MaxIterations}: |gradient| {p.GradientNorm:0.0E+00} -> {p.Tolerance:G3}, {p.Fraction:P0}, {EtaColumn.Format(p.Remaining)} left");

    /// <summary>What the run is about to do, a topic a line, wrapped under its label so it reads at 80 columns.</summary>
    internal static string PlanText(TrainingPlan p)
    {
        var lines = new List<string>
        {
            TextWrap.Hanging("features: ", LibraryTerms.ToCli(p.Storage)),
            N($"data:     {p.Classes} classes, {p.FeatureWidth:N0} features a row"),
            N($"  train   {p.TrainImages,7:N0} images{(p.TrainRows != p.TrainImages ? N($" ({p.TrainRows:N0} rows with their views)") : "")}"),
            N($"  {p.Validation.Split,-7} {p.Validation.Images,7:N0} images, {(p.ValidationChoosesEpoch ? "choose the epoch (their numbers read optimistic)" : "report only")}"),
        };
        lines.AddRange(p.Clean.Select(c => N($"  {c.Split,-7} {c.Images,7:N0} images, clean: never trained or selected on")));
        lines.Add(TextWrap.Hanging("head:     ", N($"{p.Layers}, {p.Parameters:N0} parameters")));
        lines.Add(TextWrap.Hanging("solver:   ", p.Solver));
        return string.Join(Environment.NewLine, lines) + Environment.NewLine;
    }

    /// <summary>The final line: each number with the split it is on, and whether that split chose the epoch.</summary>
    private static string Summary(TrainingResult r)
    {
        var v = r.Validation;
        string chose = v.ChoseEpoch ? " (chose the epoch)" : "";
        string clean = string.Concat(r.Clean.Select(c => N($"; {c.Split} accuracy {c.Accuracy:P2}, AUC {c.Auc:F4} (clean)")));
        string solver = r.Solver.Solver == SolverKind.Lbfgs ? r.Solver.ToString() : N($"sgd, best epoch {r.BestEpoch} of {r.History.Count}{(r.StoppedEarly ? ", stopped early" : "")}");
        return N($"{v.Split} accuracy {v.Accuracy:P2}, AUC {v.Auc:F4}{chose}{clean} ({solver}); head in {r.RunDirectory}");
    }

    private static string N(FormattableString s) => FormattableString.Invariant(s);

    private static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
}
