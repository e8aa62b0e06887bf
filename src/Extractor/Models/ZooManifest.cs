using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OnnxTransfer.Extractor.Models;

/// <summary>
/// The zoo's models as data: one JSON manifest per model in models/onnx/, embedded in this assembly at build time
/// (the way timm keeps a pretrained_cfg per model), so a model of an architecture the importer knows is a new file,
/// not code. Each names its weights (file, URL, the md5 Keras checks, size when known), licence, input size,
/// preprocessing and the usual feature layers.
/// </summary>
internal static class ZooManifest
{
    /// <summary>The manifest's fields, in its snake_case JSON.</summary>
    /// <remarks>Every key is required (null where the format allows it) but alpha, which only MobileNets have.</remarks>
    private sealed record Entry(
        string Name, string Architecture, string WeightsFile, string Url, string? Md5, long? Bytes, string Licence,
        int InputSize, string Preprocess, float[]? Mean, float[]? Std, string[] DefaultLayers, string DefaultPool, string Notes, double? Alpha = null);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true,
    };

    /// <summary>Every embedded manifest, by name.</summary>
    /// <exception cref="OnnxTransferException">A manifest is malformed or names an architecture the importer does not have (a build that tests catch).</exception>
    public static IReadOnlyList<ZooModel> Load()
    {
        var assembly = typeof(ZooManifest).Assembly;
        return assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
            .Select(n => Parse(n[Prefix.Length..], Read(assembly, n))).OrderBy(m => m.Arch, StringComparer.Ordinal).ToList();
    }

    /// <summary>The resource names of models/onnx/*.json (see the project file).</summary>
    private const string Prefix = "models/onnx/";

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>A manifest's text as a zoo model; <paramref name="file"/> names it in errors.</summary>
    internal static ZooModel Parse(string file, string json)
    {
        Entry e;
        try { e = JsonSerializer.Deserialize<Entry>(json, Json) ?? throw new JsonException("empty"); }
        catch (JsonException ex) { throw new OnnxTransferException($"Model manifest '{file}' is malformed ({ex.Message}); fix it in models/onnx.", ex); }
        var arch = Enum.GetValues<KerasArch>().Select(a => (KerasArch?)a).FirstOrDefault(a => KerasImporter.ArchitectureName(a!.Value) == e.Architecture)
            ?? throw new OnnxTransferException($"Model manifest '{file}' names architecture '{e.Architecture}', which the importer does not have; use one of {string.Join(", ", Enum.GetValues<KerasArch>().Select(KerasImporter.ArchitectureName))}.");
        return new ZooModel(e.Name, arch, e.Alpha ?? 1.0, e.WeightsFile, e.Url, e.Md5, e.Bytes)
        {
            Licence = e.Licence, InputSize = e.InputSize, Preprocess = e.Preprocess, Mean = e.Mean, Std = e.Std,
            DefaultLayers = e.DefaultLayers, DefaultPool = e.DefaultPool, Notes = e.Notes,
        };
    }
}
