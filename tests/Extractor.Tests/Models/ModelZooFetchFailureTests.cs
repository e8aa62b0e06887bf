using System.Diagnostics;
using System.Security.Cryptography;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Models;

/// <summary>
/// `models fetch` against servers that stall, send the wrong size or the wrong bytes, and files that do
/// not convert: each fails fast with one line, and leaves nothing under the cache's names but a .part
/// holding a prefix worth resuming.
/// </summary>
public sealed class ModelZooFetchFailureTests : IDisposable
{
    private static readonly ZooModel MobileNet = ModelZoo.Get("mobilenet");
    private static readonly int Size = checked((int)MobileNet.Bytes!.Value); // its manifest knows it
    private static readonly TimeSpan ShortRead = TimeSpan.FromMilliseconds(300);

    private readonly TempDir _cache = new();

    // Without the read timeout a stalled fetch would hang the test run; this turns a hang into a failure.
    private readonly CancellationTokenSource _guard = new(TimeSpan.FromSeconds(20));

    public void Dispose()
    {
        _guard.Dispose();
        _cache.Dispose();
    }

    private string Part => _cache.File("downloads", MobileNet.FileName + ".part");

    private string[] CachedFiles => Directory.GetFiles(_cache.Path, "*", SearchOption.AllDirectories);

    private ModelZooOptions Options(string baseUrl, int resumeAttempts = 3) =>
        new() { CacheDir = _cache.Path, BaseUrl = baseUrl, ReadTimeout = ShortRead, ResumeAttempts = resumeAttempts };

    private async Task<string> Fails(ZooModel model, ModelZooOptions options)
    {
        var e = await Assert.ThrowsAsync<OnnxTransferException>(() => ModelZoo.FetchAsync(model, options, null, _guard.Token));
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(ModelZoo.IsCached(model.Arch, options));
        return e.Message;
    }

    private static byte[] RandomBytes(long n, int seed)
    {
        var bytes = new byte[n];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task Server_that_stalls_after_the_headers_fails_after_the_read_timeout_and_leaves_nothing()
    {
        using var server = new ScriptedHttpServer(async (_, connection, ct) =>
        {
            await connection.WriteAsync(ScriptedHttpServer.Headers(200, Size), ct);
            await ScriptedHttpServer.Stall(ct);
        });
        var clock = Stopwatch.StartNew();

        string message = await Fails(MobileNet, Options(server.BaseUrl));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Contains(server.BaseUrl + MobileNet.FileName, message);
        Assert.Contains($"the server sent no data for 0.3 s after 0 of {Size} bytes", message);
        Assert.DoesNotContain(".part", message);
        Assert.Empty(CachedFiles);
    }

    [Fact]
    public async Task Server_that_stalls_mid_body_keeps_the_received_prefix_for_resume()
    {
        byte[] file = RandomBytes(Size, seed: 1);
        using var server = new ScriptedHttpServer(async (_, connection, ct) =>
        {
            await connection.WriteAsync(ScriptedHttpServer.Headers(200, file.Length), ct);
            await connection.WriteAsync(file.AsMemory(0, 4096), ct);
            await ScriptedHttpServer.Stall(ct);
        });

        string message = await Fails(MobileNet, Options(server.BaseUrl, resumeAttempts: 0));

        Assert.Contains($"no data for 0.3 s after 4096 of {Size} bytes", message);
        Assert.Contains($"the partial download {Part} is kept, and `ModelZoo.FetchAsync(mobilenet)` resumes it", message);
        Assert.Equal([Part], CachedFiles);
        Assert.Equal(file[..4096], File.ReadAllBytes(Part));
    }

    [SharedFact]
    public async Task A_stalled_download_is_resumed()
    {
        byte[] h5 = File.ReadAllBytes(SharedData.Models(MobileNet.FileName));
        using var server = new ScriptedHttpServer(async (range, connection, ct) =>
        {
            if (range == "")
            {
                await connection.WriteAsync(ScriptedHttpServer.Headers(200, h5.Length), ct);
                await connection.WriteAsync(h5.AsMemory(0, 300_000), ct);
                await ScriptedHttpServer.Stall(ct);
            }
            await connection.WriteAsync(ScriptedHttpServer.Headers(206, h5.Length - 300_000, $"Content-Range: bytes 300000-{h5.Length - 1}/{h5.Length}\r\n"), ct);
            await connection.WriteAsync(h5.AsMemory(300_000), ct);
        });

        await ModelZoo.FetchAsync(MobileNet, Options(server.BaseUrl), null, _guard.Token);

        Assert.Equal(["", "bytes=300000-"], server.Ranges.ToArray());
        Assert.Equal([ModelZoo.CachedPath("mobilenet", Options(server.BaseUrl))], CachedFiles);
    }

    [Fact]
    public async Task Server_that_sends_more_than_the_known_size_is_cut_off_and_the_download_deleted()
    {
        // No Content-Length: the body runs to the connection's close, so only the known size can stop it.
        byte[] tooLong = RandomBytes(Size + 100_000, seed: 2);
        using var server = new ScriptedHttpServer(async (_, connection, ct) =>
        {
            await connection.WriteAsync(ScriptedHttpServer.Headers(200, contentLength: null), ct);
            await connection.WriteAsync(tooLong, ct);
        });

        string message = await Fails(MobileNet, Options(server.BaseUrl));

        Assert.Contains($"the server sent more than the {Size} bytes the file has", message);
        Assert.Empty(CachedFiles);
    }

    [Fact]
    public async Task A_content_length_other_than_the_known_size_is_refused_before_the_body()
    {
        // The body never comes: a client that waited for it would run into the read timeout instead.
        using var server = new ScriptedHttpServer(async (_, connection, ct) =>
        {
            await connection.WriteAsync(ScriptedHttpServer.Headers(200, 50_000), ct);
            await ScriptedHttpServer.Stall(ct);
        });
        var options = new ModelZooOptions { CacheDir = _cache.Path, BaseUrl = server.BaseUrl, ReadTimeout = TimeSpan.FromSeconds(30) };

        string message = await Fails(MobileNet, options);

        Assert.Contains($"the server announced 50000 bytes, but the file is {Size} bytes", message);
        Assert.Empty(CachedFiles);
    }

    [Fact]
    public async Task A_resume_answered_from_the_wrong_offset_is_refused_and_the_prefix_kept()
    {
        byte[] file = RandomBytes(Size, seed: 3);
        Directory.CreateDirectory(Path.GetDirectoryName(Part)!);
        File.WriteAllBytes(Part, file[..1000]);
        using var server = new ScriptedHttpServer(async (_, connection, ct) =>
        {
            await connection.WriteAsync(ScriptedHttpServer.Headers(206, file.Length, $"Content-Range: bytes 0-{file.Length - 1}/{file.Length}\r\n"), ct);
            await connection.WriteAsync(file, ct);
        });

        string message = await Fails(MobileNet, Options(server.BaseUrl));

        Assert.Contains($"a request for bytes 1000- of the {Size}-byte file with Content-Range bytes 0-{file.Length - 1}/{file.Length}", message);
        Assert.Equal([Part], CachedFiles);
        Assert.Equal(file[..1000], File.ReadAllBytes(Part));
    }

    [Fact]
    public async Task Md5_mismatch_after_a_resume_covers_the_resumed_prefix_and_deletes_the_part()
    {
        byte[] prefix = RandomBytes(1000, seed: 4);
        byte[] served = RandomBytes(Size, seed: 5);
        Directory.CreateDirectory(Path.GetDirectoryName(Part)!);
        File.WriteAllBytes(Part, prefix);
        using var server = new LocalWeightsServer(MobileNet.FileName, served);

        string message = await Fails(MobileNet, Options(server.BaseUrl));

        Assert.Equal(["bytes=1000-"], server.Ranges.ToArray());
        Assert.Contains(Convert.ToHexStringLower(MD5.HashData([.. prefix, .. served[1000..]])), message);
        Assert.Contains(MobileNet.Md5!, message);
        Assert.Empty(CachedFiles);
    }

    [Fact]
    public async Task A_file_that_does_not_convert_is_deleted_and_nothing_is_cached()
    {
        // A stand-in entry whose md5 and size match what the server sends, so the download is accepted.
        byte[] notHdf5 = RandomBytes(10_000, seed: 6);
        var standIn = MobileNet with { Md5 = Convert.ToHexStringLower(MD5.HashData(notHdf5)), Bytes = notHdf5.Length };
        using var server = new LocalWeightsServer(MobileNet.FileName, notHdf5);

        string message = await Fails(standIn, Options(server.BaseUrl));

        Assert.Contains($"'{MobileNet.FileName}' is not an HDF5 file", message);
        Assert.Empty(CachedFiles);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://x/weights")]
    [InlineData("http://")]
    [InlineData("https://mirror.example/keras?token=1")]
    public async Task AMalformedMirrorUrl_NamesTheVariableAndTheExpectedForm(string baseUrl)
    {
        string message = await Fails(MobileNet, Options(baseUrl));

        Assert.Contains($"ONNX_TRANSFER_WEIGHTS_URL '{baseUrl}'", message);
        Assert.Contains("http(s)://host[:port]/path", message);
        Assert.Empty(CachedFiles);
    }
}
