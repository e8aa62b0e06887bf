using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace OnnxTransfer.Extractor.Models;

/// <summary>Bytes received so far and the total when the server said it.</summary>
public readonly record struct DownloadProgress(long Received, long? Total);

/// <summary>Why a download failed (network, HTTP status, a server that stalls or sends the wrong size); the zoo turns it into a user message.</summary>
internal sealed class WeightsDownloadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Downloads one file of known size to &lt;file&gt;.part, hashing it as it arrives. A cut-off or stalled
/// download is resumed with an HTTP Range request, both within one call and across runs (the .part stays
/// on disk). A server that announces or sends another size is refused, so a hostile or misconfigured
/// mirror can neither fill the disk nor leave a wrong file behind.
/// </summary>
internal static class WeightsDownloader
{
    /// <summary>
    /// Completes <paramref name="part"/> to <paramref name="knownSize"/> bytes and returns their md5 (lowercase hex).
    /// With no known size (a zoo manifest that does not record it), the server's Content-Length for a HEAD request is
    /// taken as the size, and every check below holds the download to it; the md5 still decides.
    /// </summary>
    public static async Task<string> DownloadAsync(string url, string part, long? knownSize, ModelZooOptions options,
        IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler { ConnectTimeout = options.ConnectTimeout, AutomaticDecompression = DecompressionMethods.None };
        using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        long size;
        try { size = knownSize ?? await AnnouncedSizeAsync(http, url, options, ct); }
        catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException)
        {
            throw new WeightsDownloadException(e is TimeoutException ? e.Message : Innermost(e).Message, e);
        }
        using var download = new PartialDownload(part);
        for (int attempt = 0; ; attempt++)
        {
            download.CatchUp();
            long before = download.Length;
            try
            {
                if (await TryDownloadAsync(http, url, download, size, options, progress, ct)) return download.Md5();
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException)
            {
                download.CatchUp();
                // Retry only when the connection delivered bytes before failing: a server that cannot be
                // reached at all is reported at once, so an offline machine fails in seconds.
                if (download.Length <= before || attempt >= options.ResumeAttempts)
                {
                    // An empty .part resumes nothing; only a received prefix is worth keeping.
                    if (download.Length == 0) download.Delete();
                    throw new WeightsDownloadException(e is TimeoutException ? e.Message : Innermost(e).Message, e);
                }
            }
        }
    }

    // Returns true when the .part file is complete.
    private static async Task<bool> TryDownloadAsync(HttpClient http, string url, PartialDownload download, long size,
        ModelZooOptions options, IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        long have = download.Length;
        if (have == size) return true;
        if (have > size)
        {
            download.Delete(); // longer than the file, so not a prefix of it
            have = 0;
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);

        using var response = await SendAsync(http, request, options.ConnectTimeout, ct);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && have > 0)
        {
            // The server's file is shorter than our prefix: start over, and let the size checks judge it.
            download.Delete();
            return false;
        }
        if (!response.IsSuccessStatusCode)
            throw new WeightsDownloadException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");

        bool resumed = response.StatusCode == HttpStatusCode.PartialContent;
        if (!resumed) have = 0; // the server ignored the Range header and sends the whole file
        CheckAnnouncedSize(response.Content.Headers, resumed, have, size);

        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await using var output = new FileStream(download.Path, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        if (!resumed) download.Reset();
        using var stall = new CancellationTokenSource();
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(ct, stall.Token);
        var buffer = new byte[1 << 16];
        while (true)
        {
            stall.CancelAfter(options.ReadTimeout);
            int read;
            try
            {
                read = await body.ReadAsync(buffer, reading.Token);
            }
            catch (OperationCanceledException) when (stall.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                throw new TimeoutException($"the server sent no data for {Seconds(options.ReadTimeout)} after {have} of {size} bytes");
            }
            if (read == 0) break;
            if (have + read > size)
            {
                await output.DisposeAsync();
                download.Delete();
                throw new WeightsDownloadException($"the server sent more than the {size} bytes the file has (at least {have + read}); the download was deleted");
            }
            await output.WriteAsync(buffer.AsMemory(0, read), ct);
            download.Append(buffer.AsSpan(0, read));
            have += read;
            progress?.Report(new DownloadProgress(have, size));
        }
        if (have < size)
            throw new IOException($"connection closed after {have} of {size} bytes");
        return true;
    }

    private static async Task<long> AnnouncedSizeAsync(HttpClient http, string url, ModelZooOptions options, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, url);
        using var response = await SendAsync(http, request, options.ConnectTimeout, ct);
        if (!response.IsSuccessStatusCode) throw new WeightsDownloadException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        return response.Content.Headers.ContentLength is long length and > 0 ? length
            : throw new WeightsDownloadException("the server does not say how large the file is (no Content-Length), so a download could not be checked");
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpRequestMessage request, TimeSpan timeout, CancellationToken ct)
    {
        using var headers = CancellationTokenSource.CreateLinkedTokenSource(ct);
        headers.CancelAfter(timeout);
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headers.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer within {Seconds(timeout)}");
        }
    }

    // Refuses a body of the wrong size before reading any of it: the file's size is known in advance.
    private static void CheckAnnouncedSize(HttpContentHeaders headers, bool resumed, long have, long size)
    {
        if (resumed && headers.ContentRange is { } range && (range.From != have || range.Length is long total && total != size))
            throw new WeightsDownloadException($"the server answered a request for bytes {have}- of the {size}-byte file with Content-Range {range}");
        if (headers.ContentLength is long announced && announced != size - have)
            throw new WeightsDownloadException(resumed
                ? $"the server announced {announced} bytes from byte {have} on, but the {size}-byte file has {size - have} left"
                : $"the server announced {announced} bytes, but the file is {size} bytes");
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;
}
