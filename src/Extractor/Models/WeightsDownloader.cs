using System.Net;
using System.Net.Http.Headers;
using OnnxTransfer.IO;

namespace OnnxTransfer.Extractor.Models;

/// <summary>
/// Downloads a file to &lt;file&gt;.part, resuming with HTTP Range after a dropped connection or an
/// earlier interrupted run, and only renames it into place once its md5 matches.
/// </summary>
internal sealed class WeightsDownloader(ZooOptions options)
{
    public void Download(string url, string destination, string expectedMd5, string manualHint, CancellationToken ct = default)
    {
        string part = destination + ".part";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
        using var handler = new SocketsHttpHandler { ConnectTimeout = options.ConnectTimeout };
        using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        Exception? last = null;
        bool responded = false;
        for (int attempt = 0; attempt < options.Attempts; attempt++)
        {
            try
            {
                Transfer(http, url, part, () => responded = true, ct);
                last = null;
                break;
            }
            catch (HttpRequestException e) when (!responded)
            {
                // No server ever answered: retrying will not help, so fail fast with the manual route.
                throw Unreachable(url, e.Message, manualHint, e);
            }
            catch (Exception e) when (e is HttpRequestException or IOException && !ct.IsCancellationRequested)
            {
                last = e; // the connection dropped midway: the next attempt resumes from the .part file
            }
        }
        if (last != null) throw Unreachable(url, last.Message, manualHint, last);

        string actual = Hashing.Md5File(part);
        if (!string.Equals(actual, expectedMd5, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(part);
            throw new OnnxTransferException(
                $"Download of {url} is corrupt: md5 {actual}, expected {expectedMd5}; the partial file was deleted, run the fetch again.");
        }
        File.Move(part, destination, overwrite: true);
    }

    // Appends the rest of the body to the .part file (or rewrites it when the server ignores Range).
    private static void Transfer(HttpClient http, string url, string part, Action responded, CancellationToken ct)
    {
        long have = File.Exists(part) ? new FileInfo(part).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
        using var response = http.Send(request, HttpCompletionOption.ResponseHeadersRead, ct);
        responded();
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && have > 0) return; // already complete
        if (!response.IsSuccessStatusCode)
            throw new OnnxTransferException($"Download of {url} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
        // A 200 to a Range request means the server ignored it: start over.
        bool append = have > 0 && response.StatusCode == HttpStatusCode.PartialContent;
        using var body = response.Content.ReadAsStream(ct);
        using var file = new FileStream(part, append ? FileMode.Append : FileMode.Create, FileAccess.Write);
        body.CopyTo(file, 1 << 16);
    }

    private static OnnxTransferException Unreachable(string url, string reason, string manualHint, Exception inner) =>
        new($"Cannot download {url} ({reason.TrimEnd('.')}); download it by hand, then run {manualHint}", inner);
}
