using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Extractor.Models;

/// <summary>
/// A zoo model (one manifest in models/onnx): its name, architecture and width multiplier, its official Keras notop
/// weights file with the md5 Keras checks (null where Keras checks none, as for MobileNetV2: the download is then not
/// verified, and says so) and its size (null when the manifest does not know it: the server is then asked), and what
/// users need to use it well.
/// </summary>
public sealed record ZooModel(string Arch, KerasArch KerasArch, double Alpha, string FileName, string Url, string? Md5, long? Bytes)
{
    /// <summary>The weights' licence, as far as their publisher states it.</summary>
    public string Licence { get; init; } = "";

    /// <summary>The input size the weights were trained at (what extraction resizes to by default).</summary>
    public int InputSize { get; init; } = 224;

    /// <summary>The preprocessing mode inside the graph (caffe, tf, efficientnet, ...).</summary>
    public string Preprocess { get; init; } = "";

    /// <summary>What the preprocessing subtracts and divides by, in its own channel order and units (null: nothing).</summary>
    public IReadOnlyList<float>? Mean { get; init; }

    public IReadOnlyList<float>? Std { get; init; }

    /// <summary>The usual feature layers and their pooling, for `extract --layer`.</summary>
    public IReadOnlyList<string> DefaultLayers { get; init; } = [];

    public string DefaultPool { get; init; } = "avg";

    /// <summary>Notes on the Keras layer names.</summary>
    public string Notes { get; init; } = "";
}

/// <summary>A built-in model's state in the local cache, as <see cref="ModelZoo.List"/> reports it.</summary>
public sealed record ZooStatus(ZooModel Model, string Url, bool Cached, string CachedPath);

/// <summary>Where the zoo caches models and downloads weights from. Defaults come from the environment.</summary>
public sealed class ModelZooOptions
{
    /// <summary>Cache folder. Default: $ONNX_TRANSFER_CACHE, else $XDG_CACHE_HOME/onnx-transfer, else ~/.cache/onnx-transfer.</summary>
    public string CacheDir { get; init; } = DefaultCacheDir(Environment.GetEnvironmentVariable);

    /// <summary>When set, weights are downloaded from &lt;BaseUrl&gt;/&lt;file name&gt; instead of the official URLs
    /// (a mirror, or a local server in tests). Default: $ONNX_TRANSFER_WEIGHTS_URL, else the official URLs.</summary>
    public string? BaseUrl { get; init; } = Environment.GetEnvironmentVariable("ONNX_TRANSFER_WEIGHTS_URL") is { Length: > 0 } u ? u : null;

    /// <summary>How long to wait for the server to accept a connection and answer. Default: 5 seconds,
    /// so an offline machine fails fast with the manual download instructions.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a download may go without receiving a byte before it is given up (and resumed, when
    /// bytes came before, up to <see cref="ResumeAttempts"/> times). Default: 30 seconds, so a stalled server
    /// fails the fetch instead of hanging it.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times a download cut off or stalled midway is resumed (HTTP Range) before giving up. Default: 3.</summary>
    public int ResumeAttempts { get; init; } = 3;

    /// <summary>The default cache folder for the given environment (a lookup such as Environment.GetEnvironmentVariable).</summary>
    public static string DefaultCacheDir(Func<string, string?> environment)
    {
        if (environment("ONNX_TRANSFER_CACHE") is { Length: > 0 } explicitDir) return explicitDir;
        if (environment("XDG_CACHE_HOME") is { Length: > 0 } xdg) return Path.Combine(xdg, "onnx-transfer");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "onnx-transfer");
    }
}

/// <summary>Built-in architectures, the local model cache, and name-or-file resolution.</summary>
public static class ModelZoo
{
    /// <summary>The built-ins, from the manifests in models/onnx (<see cref="ZooManifest"/>), by name.</summary>
    public static IReadOnlyList<ZooModel> Models { get; } = ZooManifest.Load();

    /// <summary>Finds a built-in by name (case-insensitive) or throws listing the valid names.</summary>
    public static ZooModel Get(string arch) =>
        Models.FirstOrDefault(m => string.Equals(m.Arch, arch, StringComparison.OrdinalIgnoreCase))
        ?? throw new OnnxTransferException($"'{arch}' is not a built-in model; use {string.Join(", ", Models.Select(m => m.Arch))} or an .onnx file.");

    public static string CachedPath(string arch, ModelZooOptions? options = null) =>
        Path.Combine((options ?? new ModelZooOptions()).CacheDir, Get(arch).Arch + ".onnx");

    public static bool IsCached(string arch, ModelZooOptions? options = null) => File.Exists(CachedPath(arch, options));

    /// <summary>Every built-in with its download URL and whether it is in the cache.</summary>
    public static IReadOnlyList<ZooStatus> List(ModelZooOptions? options = null)
    {
        options ??= new ModelZooOptions();
        return Models.Select(m => new ZooStatus(m, DownloadUrl(m, options), IsCached(m.Arch, options), CachedPath(m.Arch, options))).ToList();
    }

    /// <summary>Loads an .onnx file, or a built-in model from the cache.</summary>
    /// <exception cref="OnnxTransferException">The file is missing or corrupt, or the built-in is not fetched yet
    /// (the message names `onnx-transfer models fetch` and the random-weights alternative).</exception>
    public static OnnxModel Load(string nameOrPath) => Load(nameOrPath, null);

    public static OnnxModel Load(string nameOrPath, ModelZooOptions? options)
    {
        bool builtIn = Models.Any(m => string.Equals(m.Arch, nameOrPath, StringComparison.OrdinalIgnoreCase));
        if (!builtIn || File.Exists(nameOrPath))
        {
            if (!File.Exists(nameOrPath) && !nameOrPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
                throw new OnnxTransferException(
                    $"Model '{nameOrPath}' is neither an existing .onnx file nor a built-in model ({string.Join(", ", Models.Select(m => m.Arch))}).");
            return OnnxModel.Load(nameOrPath);
        }
        var model = Get(nameOrPath);
        string path = CachedPath(model.Arch, options);
        if (!File.Exists(path))
            throw new OnnxTransferException(
                $"Model '{model.Arch}' is not in the cache ({path}); download it (`ModelZoo.FetchAsync({model.Arch})`), " +
                $"or make a random-weights model (`KerasImporter.RandomWeights({model.Arch})`, tests only).");
        return OnnxModel.Load(path);
    }

    /// <summary>
    /// Downloads the built-in's official weights (resuming a partial download), checks their size and md5,
    /// converts them with <see cref="KerasImporter.Import"/> and saves the model atomically to the cache.
    /// Returns the cached model's path.
    /// </summary>
    /// <exception cref="OnnxTransferException">A malformed ONNX_TRANSFER_WEIGHTS_URL; an unreachable, stalled or
    /// wrong-sized server (with the manual download and import commands); an md5 mismatch; or a file that does
    /// not convert. Nothing is left under the cache's names then, except a .part holding a prefix to resume.</exception>
    public static async Task<string> FetchAsync(string arch, ModelZooOptions? options = null,
        IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default) =>
        await FetchAsync(Get(arch), options ?? new ModelZooOptions(), progress, cancellationToken);

    /// <summary><see cref="FetchAsync(string, ModelZooOptions?, IProgress{DownloadProgress}?, CancellationToken)"/> for
    /// a given zoo entry; tests pass a stand-in whose md5 and size match the bytes they serve.</summary>
    internal static async Task<string> FetchAsync(ZooModel model, ModelZooOptions options,
        IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        string target = CachedPath(model.Arch, options);
        string url = DownloadUrl(model, options);
        string h5 = Path.Combine(options.CacheDir, "downloads", model.FileName);
        string part = h5 + ".part";
        Directory.CreateDirectory(Path.GetDirectoryName(h5)!);
        string md5;
        try
        {
            md5 = await WeightsDownloader.DownloadAsync(url, part, model.Bytes, options, progress, cancellationToken);
        }
        catch (WeightsDownloadException e)
        {
            string resume = File.Exists(part) ? $"; the partial download {part} is kept, and `ModelZoo.FetchAsync({model.Arch})` resumes it" : "";
            throw new OnnxTransferException(
                $"Cannot download {model.Arch} weights from {url} ({e.Message}{resume}); download that file by hand, then import it " +
                $"(`KerasImporter.Import({model.FileName}, {model.Arch}{AlphaOption(model)}) -> {target}`).", e);
        }

        if (model.Md5 is not null && !string.Equals(md5, model.Md5, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(part);
            throw new OnnxTransferException(
                $"Downloaded {model.FileName} from {url} has md5 {md5} but Keras publishes {model.Md5}; the download was deleted, download it again (`ModelZoo.FetchAsync({model.Arch})`).");
        }
        File.Move(part, h5, overwrite: true);
        try
        {
            KerasImporter.Import(h5, model.KerasArch, new KerasImportOptions { Alpha = model.Alpha, InputSize = model.InputSize }).Save(target);
        }
        finally
        {
            // Converted, the model holds all the weights and the .h5 would only double the cache size;
            // not converted, it is a file that does not work.
            File.Delete(h5);
        }
        return target;
    }

    private static string DownloadUrl(ZooModel model, ModelZooOptions options)
    {
        if (options.BaseUrl is not { } baseUrl) return model.Url;
        // The file name is appended to the path, so a query or fragment would swallow it.
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0
            || uri.Query.Length > 0 || uri.Fragment.Length > 0)
            throw new OnnxTransferException(
                $"ONNX_TRANSFER_WEIGHTS_URL '{baseUrl}' is not a weights mirror URL; set it to http(s)://host[:port]/path, the folder that holds the .h5 files, or unset it to use the official URLs.");
        return $"{baseUrl.TrimEnd('/')}/{model.FileName}";
    }

    private static string AlphaOption(ZooModel model) =>
        model.KerasArch == KerasArch.MobileNet ? $", alpha {model.Alpha.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "";
}
