using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace OnnxTransfer.Extractor.Tests.Models;

/// <summary>
/// A weights server on 127.0.0.1 for download tests: serves one file under /&lt;name&gt;, honours
/// "Range: bytes=N-" with 206, and can cut the first response off after a number of bytes.
/// </summary>
public sealed class LocalWeightsServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string _name;
    private readonly byte[] _bytes;
    private readonly Task _loop;
    private long? _dropAfter;

    public LocalWeightsServer(string name, byte[] bytes, long? dropFirstResponseAfter = null)
    {
        _name = name;
        _bytes = bytes;
        _dropAfter = dropFirstResponseAfter;
        int port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(BaseUrl);
        _listener.Start();
        _loop = Task.Run(Serve);
    }

    public string BaseUrl { get; }

    /// <summary>The Range header of each request, "" when none, in arrival order.</summary>
    public ConcurrentQueue<string> Ranges { get; } = new();

    /// <summary>A port nothing listens on (bound, then released).</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            Respond(context);
        }
    }

    private void Respond(HttpListenerContext context)
    {
        var response = context.Response;
        string range = context.Request.Headers["Range"] ?? "";
        Ranges.Enqueue(range);
        if (context.Request.Url?.AbsolutePath != "/" + _name)
        {
            response.StatusCode = 404;
            response.Close();
            return;
        }
        long start = range.StartsWith("bytes=", StringComparison.Ordinal) ? long.Parse(range[6..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture) : 0;
        if (start > 0)
        {
            response.StatusCode = 206;
            response.Headers["Content-Range"] = $"bytes {start}-{_bytes.Length - 1}/{_bytes.Length}";
        }
        response.ContentLength64 = _bytes.Length - start;
        try
        {
            if (_dropAfter is long drop)
            {
                _dropAfter = null;
                response.OutputStream.Write(_bytes, (int)start, (int)Math.Min(drop, _bytes.Length - start));
                response.OutputStream.Flush();
                response.Abort(); // the client sees the connection close before Content-Length bytes
                return;
            }
            response.OutputStream.Write(_bytes, (int)start, (int)(_bytes.Length - start));
            response.Close();
        }
        catch (HttpListenerException)
        {
            // The client went away; nothing to clean up.
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
