using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using OnnxTransfer.Bench.Common;
using OnnxTransfer.Bench.EndToEnd;
using OnnxTransfer.Bench.Peers;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;
using static OnnxTransfer.Bench.Common.VerbArgs;

namespace OnnxTransfer.Bench.Head;

/// <summary>
/// `linear-probe [--features DIR]... [--c C] [--tol T] [--out BENCHMARKS.md]`: the linear head solved by L-BFGS against scikit-learn's
/// LogisticRegression (lbfgs, `peers/head_sklearn.py`) on the same rows and the same split, at the same regularisation
/// (TrainerOptions.L2ForC; C = 1 is the default), measured in the same run: each feature directory given, then a synthetic
/// Caltech-101-sized problem (5,784 training rows x 256, 101 classes). Prints the accuracies and the fit-time ratio.
/// </summary>
public static partial class LinearProbeBench
{
    private static readonly string[] Pythons = ["/usr/bin/python3", "python3"];

    /// <summary>
    /// Rounds of one sklearn fit then <see cref="FitsPerRound"/> of ours for each row: this machine's speed drifts 20-40 %
    /// within a minute, and all of sklearn's fits before all of ours measured the drift as much as the two fits (one run
    /// gave sklearn 0.71 s on flowers17, the next 1.45 s). The speed-up is the median of the rounds' ratios. Each sklearn
    /// fit is its process's first: within one process its fits got slower, not faster (flowers17: 0.82, 1.19, 1.49 s).
    /// Five and not three: with three, one slow round of ours (a Caltech-sized round at 14.3x between two above 20x,
    /// 2026-12-02) was a third of the median's votes.
    /// </summary>
    private const int Rounds = 5;

    /// <summary>Timed fits of ours per row and round, after one warm-up; the median of all is reported.</summary>
    private const int FitsPerRound = 3;

    public static int Run(string[] args)
    {
        double c = Arg(args, "--c") is { } cs ? double.Parse(cs, CultureInfo.InvariantCulture) : 1.0;
        // Each --tol given is a row per problem (default: the trainer's own); sklearn runs once a round.
        var tolerances = Values(args, "--tol").Select(t => float.Parse(t, CultureInfo.InvariantCulture)).DefaultIfEmpty(new TrainerOptions().Tolerance).ToList();
        var table = new MarkdownTable("Problem", "Train x width, classes", "Tolerance", "Ours (lbfgs)", "sklearn", "Accuracy ours / sklearn (goal within 0.2 pt)", "Fit s ours / sklearn", "Speed-up (goal >= 20x)");
        string loadAtStart = MachineInfo.LoadAverage();
        string blas = "?";
        var problems = new List<(string Name, FeatureSet Set)>();
        foreach (string dir in Values(args, "--features")) problems.Add((Path.GetFileName(Path.GetFullPath(dir).TrimEnd('/')), FeatureSet.Load(dir)));
        problems.Add(("synthetic Caltech-101-sized", CaltechLike()));
        foreach (var (name, set) in problems)
        {
            var (train, val) = DataSplits.Of(set, new TrainerOptions());
            // C = 1 is the trainer's default L2 for L-BFGS: that default is what is measured.
            var options = tolerances.Select(t => new TrainerOptions { L2 = c == 1 ? null : TrainerOptions.L2ForC(c, train.Length, set.Classes.Count, LossKind.Softmax), Tolerance = t }).ToList();
            var run = Directory.CreateTempSubdirectory("onnx-transfer-probe-");
            try
            {
                // One untimed fit first: the timed ones are warm (JIT done), as sklearn's fit is after its imports. Fresh
                // folders after it: the warm-up's run is never replaced (and deleting it is not what is timed).
                foreach (var o in options) new Trainer(o).Train(set, run.FullName);
                var peers = new List<Peer>();
                var ours = options.Select(_ => new List<double>()).ToList();
                var ratios = options.Select(_ => new List<double>()).ToList();
                var results = new TrainingResult[options.Count];
                for (int round = 0; round < Rounds; round++)
                {
                    var peer = Sklearn(set, val, c);
                    peers.Add(peer);
                    for (int row = 0; row < options.Count; row++)
                    {
                        var seconds = new List<double>();
                        for (int fit = 0; fit < FitsPerRound; fit++)
                        {
                            var clock = Stopwatch.StartNew();
                            results[row] = new Trainer(options[row]).Train(set, Path.Combine(run.FullName, $"timed{round}-{row}-{fit}"));
                            seconds.Add(clock.Elapsed.TotalSeconds);
                        }
                        ours[row].AddRange(seconds);
                        ratios[row].Add(peer.Seconds / Median(seconds));
                    }
                    if (peer.Problem is not null) break;
                }
                var first = peers[0];
                double peerSeconds = Median(peers.Select(p => p.Seconds));
                blas = first.Blas;
                string sk = first.Problem ?? F($"{first.Accuracy:P2}; {first.Iterations} iterations, stopped at max |gradient| {first.Gradient:0.00E+00}");
                for (int row = 0; row < options.Count; row++)
                {
                    var result = results[row];
                    double seconds = Median(ours[row]);
                    table.Add(name, F($"{train.Length:N0} x {set.Width}, {set.Classes.Count} (val {val.Length:N0})"), tolerances[row].ToString("G3", CultureInfo.InvariantCulture),
                        F($"{result.Validation.Accuracy:P2}; {result.Solver}").Replace("|", "\\|", StringComparison.Ordinal), sk.Replace("|", "\\|", StringComparison.Ordinal),
                        first.Problem is null ? F($"{Math.Round((result.Validation.Accuracy - first.Accuracy) * 100, 2) + 0.0:+0.00;-0.00;0.00} pt") : "-",
                        first.Problem is null ? F($"{seconds:F2} / {peerSeconds:F2}") : F($"{seconds:F2} / -"),
                        first.Problem is null ? F($"{Median(ratios[row]):F1}x (rounds {string.Join(", ", ratios[row].Select(r => r.ToString("F1", CultureInfo.InvariantCulture)))})") : "-");
                    Console.WriteLine($"{name}, tol {tolerances[row]:G3}: ours {result.Validation.Accuracy:P2} in {seconds:F2} s ({result.Solver}; fits {string.Join(' ', ours[row].Select(t => t.ToString("F3", CultureInfo.InvariantCulture)))} s); sklearn {sk} in {string.Join(' ', peers.Select(p => p.Seconds.ToString("F2", CultureInfo.InvariantCulture)))} s");
                }
            }
            finally { run.Delete(recursive: true); }
        }
        string command = $"dotnet run -c Release --project bench/OnnxTransfer.Bench -- linear-probe {string.Join(' ', args)}".TrimEnd();
        string section = $"""
            ## Linear probe solved to the optimum (linear-probe)

            Written by `{command}` on {DateTime.Now.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)}, {Environment.ProcessorCount} logical cores, load average (1/5/15 min) at start / end {loadAtStart} / {MachineInfo.LoadAverage()}. `train --head linear` (default `Solver` auto: L-BFGS, to the `Tolerance` of each row on the largest gradient component of the mean objective; the default is {new TrainerOptions().Tolerance.ToString(CultureInfo.InvariantCulture)}) against scikit-learn LogisticRegression(C={c.ToString(CultureInfo.InvariantCulture)}, lbfgs, max_iter 2000; numpy on {blas}) on the same training rows and split, with `L2` = 1 / (2 C n_train) (for C = 1 the trainer's default); validation accuracy, fit seconds measured in this run in {Rounds} interleaved rounds, each one sklearn `fit` call alone (in a Python process of its own, after its imports) then {FitsPerRound} of ours (whole `Trainer.Train` fits, run folder written, after one untimed warm-up fit): the medians of each side's fits, and the speed-up as the median of the rounds' ratios (each round's sklearn fit over its median of ours), each round's ratio in brackets. sklearn's column says where its fit stopped on the measure `Tolerance` bounds (the largest gradient component of the mean objective, computed by head_sklearn.py at its solution): its lbfgs ends on SciPy's relative decrease (ftol), not on its `tol`, which scikit-learn before 1.4 applies to the sum objective.

            {table}
            """;
        Console.WriteLine();
        Console.WriteLine(section);
        if (Arg(args, "--out") is { } output) ReportSections.Replace(output, "linear-probe", section);
        return 0;
    }

    /// <summary>
    /// 5,784 + 1,446 rows x 256 over 101 classes (Caltech-101's 80/20), Gaussian classes with overlapping means so that
    /// the regulariser matters; all "train", so both sides hold out the same stratified 20 % (the trainer's split).
    /// </summary>
    private static FeatureSet CaltechLike()
    {
        const int classes = 101, width = 256, n = 7230;
        var rng = new Rng(11);
        var means = new float[classes * width];
        for (int i = 0; i < means.Length; i++) means[i] = (float)rng.NextGaussian() * 0.35f;
        var features = new float[n * width];
        var labels = new int[n];
        for (int r = 0; r < n; r++)
        {
            labels[r] = r % classes;
            for (int f = 0; f < width; f++) features[r * width + f] = MathF.Max(0, means[labels[r] * width + f] + (float)rng.NextGaussian());
        }
        return new FeatureSet("gap", [width], features, width, Enumerable.Range(0, n).Select(i => $"img{i}.jpg").ToArray(), labels,
            Enumerable.Repeat(FeatureSet.Train, n).ToArray(), Enumerable.Range(0, classes).Select(k => $"c{k}").ToArray(),
            new FeatureSource { Directory = Path.GetTempPath() });
    }

    /// <param name="Blas">The BLAS numpy called (head_data.blas): on Debian's reference BLAS sklearn is 10x slower than on OpenBLAS.</param>
    /// <param name="Gradient">Where sklearn's fit stopped, on our measure (the largest gradient component of the mean objective).</param>
    private sealed record Peer(double Accuracy, double Seconds, string? Problem, string Blas = "?", int Iterations = 0, double Gradient = double.NaN);


    /// <summary>Runs head_sklearn.py on this set's rows as .npy, with our validation rows marked "val" so it fits and scores the same rows.</summary>
    private static Peer Sklearn(FeatureSet set, int[] val, double c)
    {
        string? script = SharedFiles.Repository is { } repo ? Path.Combine(repo, "bench", "peers", "head_sklearn.py") : null;
        if (script is null || !File.Exists(script)) return new(0, 0, "bench/peers/head_sklearn.py not found");
        var dir = Directory.CreateTempSubdirectory("onnx-transfer-sklearn-peer-");
        try
        {
            NpyWriter.WriteFeatures(Path.Combine(dir.FullName, "x.npy"), set);
            NpyWriter.WriteInt64(Path.Combine(dir.FullName, "y.npy"), set.Labels);
            var splits = set.Splits.Select(s => s == FeatureSet.Val ? "unused" : s).ToArray();
            foreach (int row in val) splits[row] = FeatureSet.Val;
            File.WriteAllText(Path.Combine(dir.FullName, "splits.json"), JsonSerializer.Serialize(splits));
            foreach (string python in Pythons)
            {
                var start = new ProcessStartInfo(python, [script, dir.FullName, "--c", c.ToString(CultureInfo.InvariantCulture), "--repeats", "1"])
                    { RedirectStandardOutput = true, RedirectStandardError = true };
                Process process;
                try { process = Process.Start(start)!; }
                catch (Win32Exception) { continue; }
                using (process)
                {
                    var errors = process.StandardError.ReadToEndAsync();
                    string output = process.StandardOutput.ReadToEnd();
                    process.WaitForExit();
                    if (ResultLine().Match(output) is { Success: true } m)
                        return new(double.Parse(m.Groups["a"].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups["s"].Value, CultureInfo.InvariantCulture), null,
                            BlasLine().Match(output) is { Success: true } b ? b.Groups["b"].Value : "?", int.Parse(m.Groups["i"].Value, CultureInfo.InvariantCulture),
                            double.Parse(m.Groups["g"].Value, CultureInfo.InvariantCulture));
                    if (python == Pythons[^1]) return new(0, 0, $"head_sklearn.py exited {process.ExitCode}: {errors.Result.Trim().Split('\n')[^1]}");
                }
            }
            return new(0, 0, "no python3 with numpy and scikit-learn");
        }
        finally { dir.Delete(recursive: true); }
    }

    private static IEnumerable<string> Values(string[] args, string name)
    {
        for (int i = 0; i < args.Length - 1; i++)
            if (args[i] == name) yield return args[i + 1];
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    [GeneratedRegex(@"^blas: (?<b>[^\n]+)$", RegexOptions.Multiline)]
    private static partial Regex BlasLine();

    [GeneratedRegex(@"fit (?<s>[0-9.]+) s, val accuracy (?<a>[0-9.]+) on [0-9]+ rows, (?<i>[0-9]+) iterations, median of [0-9]+ fits, max \|gradient\| (?<g>[0-9.e+-]+)")]
    private static partial Regex ResultLine();
}
