using System.CommandLine;
using System.Text.RegularExpressions;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Cli.Tests;

/// <summary>The libraries speak in properties and API calls, the CLI in flags and verbs; one table joins them.</summary>
public partial class LibraryTermsTests
{
    private static readonly string[] Libraries = ["Core", "Extractor", "HeadTrainer", "Inference"];

    private static string Src { get; } = Path.Combine(SharedData.Repo, "src");

    /// <summary>The string literals of every library source file (comments left out), with their file.</summary>
    private static IEnumerable<(string File, string Text)> LibraryStrings() =>
        Libraries.SelectMany(l => Directory.EnumerateFiles(Path.Combine(Src, l), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .SelectMany(f => StringLiteral().Matches(CommentLine().Replace(File.ReadAllText(f), "")).Select(m => (Path.GetRelativePath(Src, f), m.Value)));

    [Fact]
    public void No_library_message_names_a_command_line_flag()
    {
        var flags = LibraryStrings().Where(s => FlagSyntax().IsMatch(s.Text)).Select(s => $"{s.File}: {s.Text}").ToList();
        Assert.True(flags.Count == 0, "library strings with --flag syntax:\n" + string.Join("\n", flags));
    }

    [Fact]
    public void Every_option_a_library_message_names_has_a_flag_and_every_flag_exists()
    {
        var named = LibraryStrings().SelectMany(s => OptionToken().Matches(s.Text).Select(m => m.Groups[1].Value)).ToHashSet();
        Assert.NotEmpty(named);
        var unmapped = named.Where(n => !LibraryTerms.Flags.ContainsKey(n)).ToList();
        Assert.True(unmapped.Count == 0, $"named in library messages but not in LibraryTerms.Flags: {string.Join(", ", unmapped)}");
        var options = AllOptions(CliApp.CreateRoot()).ToHashSet();
        var missing = LibraryTerms.Flags.Values.Where(f => !options.Contains(f)).ToList();
        Assert.True(missing.Count == 0, $"flags in LibraryTerms.Flags that no command has: {string.Join(", ", missing)}");
    }

    /// <summary>
    /// `train` picks the solver from the flags given (`--epochs 30`, the default, still asks for epochs), the library from
    /// the values changed: both from TrainerOptions' lists, each setting a flag of `train`'s (RestoreBest two).
    /// </summary>
    [Fact]
    public void Trains_solver_flags_are_the_librarys_mini_batch_and_lbfgs_settings()
    {
        var train = Commands.TrainCommand.Create();
        var miniBatch = Commands.TrainCommand.SettingFlags(train, TrainerOptions.MiniBatchSettings).Select(o => o.Name).ToList();
        Assert.Equal(TrainerOptions.MiniBatchSettings.Count + 1, miniBatch.Distinct().Count());
        Assert.Superset(new HashSet<string> { "--epochs", "--lr", "--optimizer", "--patience", "--monitor", "--schedule", "--restore-best", "--no-restore-best", "--resume" }, miniBatch.ToHashSet());
        Assert.DoesNotContain("--seed", miniBatch);
        Assert.DoesNotContain("--l2", miniBatch);
        Assert.Equal(["--max-iter", "--tol"], Commands.TrainCommand.SettingFlags(train, TrainerOptions.LbfgsSettings).Select(o => o.Name).Order());
    }

    [Theory]
    [InlineData("`BatchSize` 0 must be at least 1.", "--batch-size 0 must be at least 1.")]
    [InlineData("try `LearningRate` 0.001", "try --lr 0.001")]
    [InlineData("download it (`ModelZoo.FetchAsync(vgg19)`)", "download it (`onnx-transfer models fetch vgg19`)")]
    [InlineData("import it (`KerasImporter.Import(m.h5, mobilenet, alpha 0.25) -> /c/m.onnx`).",
                "import it (`onnx-transfer models import --keras m.h5 --arch mobilenet --alpha 0.25 -o /c/m.onnx`).")]
    [InlineData("import it (`KerasImporter.Import(v.h5, vgg19) -> /c/v.onnx`).", "import it (`onnx-transfer models import --keras v.h5 --arch vgg19 -o /c/v.onnx`).")]
    [InlineData("re-export it, or wrap it (`ForeignModelImporter.Import`)", "re-export it, or import it with `onnx-transfer models import --onnx`")]
    [InlineData("a `Word` the table does not know stays", "a `Word` the table does not know stays")]
    public void Library_terms_become_flags_and_commands(string library, string cli) => Assert.Equal(cli, LibraryTerms.ToCli(library));

    private static IEnumerable<string> AllOptions(Command command) =>
        command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Concat(command.Subcommands.SelectMany(AllOptions));

    [GeneratedRegex(@"(?<![\w-])--[a-z]")]
    private static partial Regex FlagSyntax();

    [GeneratedRegex(@"`([A-Z][A-Za-z0-9]*)`")]
    private static partial Regex OptionToken();

    [GeneratedRegex(@"""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"^\s*//.*$", RegexOptions.Multiline)]
    private static partial Regex CommentLine();
}
