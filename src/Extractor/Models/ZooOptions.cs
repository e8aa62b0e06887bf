namespace OnnxTransfer.Extractor.Models;

/// <summary>Where <see cref="ModelZoo"/> caches models and downloads weights from.</summary>
public sealed class ZooOptions
{
    /// <summary>Cache folder. Default: $ONNX_TRANSFER_CACHE, else $XDG_CACHE_HOME/onnx-transfer, else ~/.cache/onnx-transfer.</summary>
    public string CacheDirectory { get; init; } = DefaultCacheDirectory(Environment.GetEnvironmentVariable);

    /// <summary>When set, weights are fetched from {WeightsBaseUrl}/{file name} instead of the official
    /// URLs (a mirror, or a test server). Default: $ONNX_TRANSFER_WEIGHTS_URL, else unset.</summary>
    public string? WeightsBaseUrl { get; init; } = Environment.GetEnvironmentVariable("ONNX_TRANSFER_WEIGHTS_URL") is { Length: > 0 } u ? u : null;

    /// <summary>How long to wait for a connection before reporting the server unreachable. Default: 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Connection attempts that each resume where the last one stopped. Default: 4.</summary>
    public int Attempts { get; init; } = 4;

    public static string DefaultCacheDirectory(Func<string, string?> env)
    {
        if (env("ONNX_TRANSFER_CACHE") is { Length: > 0 } cache) return cache;
        if (env("XDG_CACHE_HOME") is { Length: > 0 } xdg) return Path.Combine(xdg, "onnx-transfer");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "onnx-transfer");
    }
}
