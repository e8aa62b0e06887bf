using System.Net;
using System.Net.Http.Headers;

namespace OnnxTransfer.Extractor.Models;

/// <summary>Bytes received so far and the total when the server said it.</summary>
public readonly record struct DownloadProgress(long Received, long? Total);

/// <summary>Why a download failed (network, HTTP status); the zoo turns it into a user message.</summary>
internal sealed class WeightsDownloadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Downloads one file to &lt;file&gt;.part and renames it when complete. A cut-off download is resumed with
/// an HTTP Range request, both within one call and across runs (the .part file stays on disk).
/// </summary>
internal static class WeightsDownloader
{
    public static async Task DownloadAsync(string url, string file, ModelZooOptions options,
        IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        string part = file + ".part";
        using var handler = new SocketsHttpHandler { ConnectTimeout = options.ConnectTimeout, AutomaticDecompression = DecompressionMethods.None };
        using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        for (int attempt = 0; ; attempt++)
        {
            long before = File.Exists(part) ? new FileInfo(part).Length : 0;
            try
            {
                if (await TryDownloadAsync(http, url, part, options.ConnectTimeout, progress, ct)) break;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                long now = File.Exists(part) ? new FileInfo(part).Length : 0;
                // Retry only when the connection delivered bytes before failing: a server that cannot be
                // reached at all is reported at once, so an offline machine fails in seconds.
                if (now <= before || attempt >= options.ResumeAttempts)
                    throw new WeightsDownloadException(e is TaskCanceledException ? "timed out" : Innermost(e).Message, e);
            }
        }
        File.Move(part, file, overwrite: true);
    }

    // Returns true when the .part file is complete.
    private static async Task<bool> TryDownloadAsync(HttpClient http, string url, string part, TimeSpan headerTimeout,
        IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        long have = File.Exists(part) ? new FileInfo(part).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);

        using var headers = CancellationTokenSource.CreateLinkedTokenSource(ct);
        headers.CancelAfter(headerTimeout);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headers.Token);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && have > 0)
        {
            // The .part file is already whole (or longer than the file): start over.
            File.Delete(part);
            return false;
        }
        if (!response.IsSuccessStatusCode)
            throw new WeightsDownloadException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");

        bool resumed = response.StatusCode == HttpStatusCode.PartialContent;
        if (!resumed) have = 0; // the server ignored the Range header and sends the whole file
        long? total = response.Content.Headers.ContentLength is long n ? n + have : null;

        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await using var output = new FileStream(part, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = await body.ReadAsync(buffer, ct)) > 0)
        {
            await output.WriteAsync(buffer.AsMemory(0, read), ct);
            have += read;
            progress?.Report(new DownloadProgress(have, total));
        }
        if (total is long expected && have < expected)
            throw new IOException($"connection closed after {have} of {expected} bytes");
        return true;
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;
}
