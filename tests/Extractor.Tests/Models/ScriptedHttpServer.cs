using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OnnxTransfer.Extractor.Tests.Models;

/// <summary>
/// A raw HTTP/1.1 server on 127.0.0.1 for hostile-server tests, which HttpListener is too well-behaved to
/// play: each request is answered by a script that writes whatever bytes it likes (headers, part of a body,
/// more than it announced) to the connection, which closes when the script returns. A script that
/// <see cref="Stall"/>s holds the connection open, silent, until the server is disposed.
/// </summary>
public sealed class ScriptedHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<string, Stream, CancellationToken, Task> _respond;
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly Task _loop;

    /// <param name="respond">Gets the request's Range header ("" when none), the connection and a token cancelled on disposal.</param>
    public ScriptedHttpServer(Func<string, Stream, CancellationToken, Task> respond)
    {
        _respond = respond;
        _listener.Start();
        BaseUrl = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";
        _loop = Task.Run(Serve);
    }

    public string BaseUrl { get; }

    /// <summary>The Range header of each request, "" when none, in arrival order.</summary>
    public ConcurrentQueue<string> Ranges { get; } = new();

    /// <summary>A status line and headers; without a Content-Length the body runs until the connection closes.</summary>
    public static byte[] Headers(int status, long? contentLength, string extraHeaders = "") =>
        Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status} {(status == 206 ? "Partial Content" : "OK")}\r\n" +
            (contentLength is long n ? $"Content-Length: {n}\r\n" : "") +
            extraHeaders + "Connection: close\r\n\r\n");

    /// <summary>Sends nothing more, keeping the connection open until the server is disposed.</summary>
    public static Task Stall(CancellationToken ct) => Task.Delay(Timeout.Infinite, ct);

    private async Task Serve()
    {
        while (true)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            _connections.Add(Task.Run(() => Handle(client)));
        }
    }

    private async Task Handle(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            try
            {
                string range = await ReadRange(stream, _stop.Token);
                Ranges.Enqueue(range);
                await _respond(range, stream, _stop.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // The client gave up, or the server is being disposed.
            }
        }
    }

    // Reads the request head up to its blank line and returns the Range header's value.
    private static async Task<string> ReadRange(NetworkStream stream, CancellationToken ct)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, ct) == 0) throw new IOException("request cut off");
            head.Append((char)one[0]);
        }
        const string prefix = "Range:";
        string? line = head.ToString().Split("\r\n").FirstOrDefault(l => l.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
        return line is null ? "" : line[prefix.Length..].Trim();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _loop.Wait(TimeSpan.FromSeconds(5));
        Task.WaitAll([.. _connections], TimeSpan.FromSeconds(5));
        _listener.Dispose();
        _stop.Dispose();
    }
}
