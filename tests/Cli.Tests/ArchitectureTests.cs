using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Cli.Tests;

/// <summary>The house rules of ARCHITECTURE.md that a reflection or a source scan can check.</summary>
public partial class ArchitectureTests
{
    /// <summary>The four libraries, by one public type each.</summary>
    private static readonly Assembly[] Libraries =
    [
        typeof(OnnxTransferException).Assembly,
        typeof(Extractor.Extraction.FeatureExtractor).Assembly,
        typeof(HeadTrainer.Training.Trainer).Assembly,
        typeof(Inference.Predictor).Assembly,
    ];

    /// <summary>Console, terminal and plotting packages: the CLI's business only.</summary>
    private static readonly string[] UiPackages = ["Spectre.Console", "ScottPlot", "System.CommandLine"];

    private static string Root => SharedData.Repo;

    /// <summary>The public API section of ARCHITECTURE.md: "# Assembly" headings, then one full type name a line.</summary>
    private static Dictionary<string, SortedSet<string>> DocumentedApi()
    {
        string doc = File.ReadAllText(Path.Combine(Root, "ARCHITECTURE.md"));
        var block = ApiBlock().Match(doc);
        Assert.True(block.Success, "ARCHITECTURE.md has no ```text block after '## Public API'");
        var api = new Dictionary<string, SortedSet<string>>();
        SortedSet<string>? current = null;
        foreach (string raw in block.Groups[1].Value.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith("# ", StringComparison.Ordinal)) api[line[2..]] = current = new SortedSet<string>(StringComparer.Ordinal);
            else (current ?? throw new InvalidDataException($"'{line}' comes before any '# Assembly' heading")).Add(line);
        }
        return api;
    }

    [Fact]
    public void The_public_API_listed_in_ARCHITECTURE_md_is_exactly_what_the_libraries_export()
    {
        var documented = DocumentedApi();
        Assert.Equal(Libraries.Select(a => a.GetName().Name!).Order(StringComparer.Ordinal), documented.Keys.Order(StringComparer.Ordinal));
        var problems = new List<string>();
        foreach (var assembly in Libraries)
        {
            var exported = assembly.GetExportedTypes().Select(t => t.FullName!.Replace('+', '.')).ToHashSet(StringComparer.Ordinal);
            var listed = documented[assembly.GetName().Name!];
            problems.AddRange(exported.Except(listed).Order(StringComparer.Ordinal).Select(t => $"{assembly.GetName().Name}: {t} is public but not listed"));
            problems.AddRange(listed.Except(exported).Order(StringComparer.Ordinal).Select(t => $"{assembly.GetName().Name}: {t} is listed but not public"));
        }
        Assert.True(problems.Count == 0, "make the type internal, or list it in ARCHITECTURE.md's Public API:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void No_library_exports_a_generated_protobuf_type()
    {
        var generated = Libraries.SelectMany(a => a.GetExportedTypes())
            .Where(t => typeof(Google.Protobuf.IMessage).IsAssignableFrom(t) || t.Namespace?.EndsWith(".Proto", StringComparison.Ordinal) == true)
            .Select(t => t.FullName).ToList();
        Assert.Empty(generated);
    }

    [Fact]
    public void The_libraries_reference_no_console_or_plotting_package_in_their_projects_or_assemblies()
    {
        foreach (var assembly in Libraries)
        {
            string name = assembly.GetName().Name!;
            string project = Path.Combine(Root, "src", name["OnnxTransfer.".Length..], name + ".csproj");
            var packages = XDocument.Load(project).Descendants("PackageReference").Select(p => (string?)p.Attribute("Include") ?? "").ToList();
            Assert.DoesNotContain(packages, p => UiPackages.Any(ui => p.StartsWith(ui, StringComparison.Ordinal)));
            var referenced = assembly.GetReferencedAssemblies().Select(r => r.Name!).ToList();
            Assert.Contains("System.Runtime", referenced); // a real reference list
            Assert.DoesNotContain(referenced, r => UiPackages.Any(ui => r.StartsWith(ui, StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void The_CLI_itself_is_where_the_console_and_plotting_packages_are()
    {
        // The check above would pass vacuously were the package names wrong: the CLI must reference them under these names.
        var referenced = typeof(CliApp).Assembly.GetReferencedAssemblies().Select(r => r.Name!).ToList();
        foreach (string ui in UiPackages) Assert.Contains(referenced, r => r.StartsWith(ui, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_test_is_named_in_sentence_case_with_underscores()
    {
        var tests = Directory.EnumerateFiles(Path.Combine(Root, "tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .SelectMany(f => TestMethod().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Name: m.Groups[1].Value)))
            .ToList();
        Assert.True(tests.Count > 300, $"only {tests.Count} test methods found: the scan is broken");
        var bad = tests.Where(t => !SentenceCase().IsMatch(t.Name)).Select(t => $"{t.File}: {t.Name}").ToList();
        Assert.True(bad.Count == 0, "test names must read as a sentence, words joined by underscores (A_corrupt_shard_is_named):\n" + string.Join("\n", bad));
    }

    [GeneratedRegex(@"## Public API.*?```text\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ApiBlock();

    /// <summary>A method under [Fact], [Theory] or an attribute derived from them (LinuxFact, SigintFact...).</summary>
    [GeneratedRegex(@"\[\w*(?:Fact|Theory)(?:\([^\]]*\))?\]\s*(?:\[[^\]]*\]\s*)*public\s+(?:async\s+)?(?:void|Task)\s+(\w+)\s*\(")]
    private static partial Regex TestMethod();

    /// <summary>A capital first, then at least two words joined by single underscores (words may hold acronyms or digits).</summary>
    [GeneratedRegex(@"^[A-Z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+$")]
    private static partial Regex SentenceCase();
}
