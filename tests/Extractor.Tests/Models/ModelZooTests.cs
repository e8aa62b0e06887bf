using System.Diagnostics;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.IO;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Models;

public class ModelZooTests
{
    private static readonly ZooModel MobileNet = ModelZoo.Get("mobilenet");
    private static readonly int Size = checked((int)MobileNet.Bytes!.Value); // its manifest knows it

    [SharedFact]
    public async Task Fetch_resumes_a_cut_off_download_verifies_md5_and_caches_a_loadable_model()
    {
        byte[] h5 = File.ReadAllBytes(SharedData.Models("mobilenet_2_5_224_tf_no_top.h5"));
        using var cache = new TempDir();
        const long cut = 700_000;
        using var server = new LocalWeightsServer(MobileNet.FileName, h5, dropFirstResponseAfter: cut);
        var options = new ModelZooOptions { CacheDir = cache.Path, BaseUrl = server.BaseUrl };
        Assert.False(ModelZoo.IsCached("mobilenet", options));

        string path = await ModelZoo.FetchAsync("mobilenet", options);

        Assert.Equal(ModelZoo.CachedPath("mobilenet", options), path);
        Assert.Equal(["", $"bytes={cut}-"], server.Ranges.ToArray());
        Assert.True(ModelZoo.IsCached("mobilenet", options));
        // The md5 recorded by the importer is of the bytes on disk, i.e. the resumed file is byte-identical.
        var info = ModelInfo.Read(ModelZoo.Load("mobilenet", options).Proto);
        Assert.Equal("mobilenet", info.Arch);
        Assert.False(info.RandomWeights);
        Assert.Equal($"keras:md5={Hashing.Md5File(SharedData.Models("mobilenet_2_5_224_tf_no_top.h5"))}", info.Weights);
        Assert.Equal(218_544, info.Layers.Sum(l => l.Params));
        Assert.Empty(Directory.GetFiles(Path.Combine(cache.Path, "downloads")));
        var listed = ModelZoo.List(options).Single(s => s.Model.Arch == "mobilenet");
        Assert.True(listed.Cached);
        Assert.Equal(server.BaseUrl + MobileNet.FileName, listed.Url);
    }

    [SharedFact]
    public async Task Fetch_continues_a_part_file_left_by_an_earlier_run()
    {
        byte[] h5 = File.ReadAllBytes(SharedData.Models("mobilenet_2_5_224_tf_no_top.h5"));
        using var cache = new TempDir();
        using var server = new LocalWeightsServer(MobileNet.FileName, h5);
        var options = new ModelZooOptions { CacheDir = cache.Path, BaseUrl = server.BaseUrl };
        Directory.CreateDirectory(cache.File("downloads"));
        File.WriteAllBytes(cache.File("downloads", MobileNet.FileName + ".part"), h5.AsSpan(0, 1_000_000).ToArray());

        await ModelZoo.FetchAsync("mobilenet", options);

        Assert.Equal(["bytes=1000000-"], server.Ranges.ToArray());
        Assert.True(ModelZoo.IsCached("mobilenet", options));
    }

    [Fact]
    public async Task Fetch_md5_mismatch_deletes_the_download_and_names_both_hashes()
    {
        // The right size, so that only the md5 tells the bytes are wrong.
        byte[] wrong = new byte[Size];
        new Random(3).NextBytes(wrong);
        using var cache = new TempDir();
        using var server = new LocalWeightsServer(MobileNet.FileName, wrong);
        var options = new ModelZooOptions { CacheDir = cache.Path, BaseUrl = server.BaseUrl };

        var e = await Assert.ThrowsAsync<OnnxTransferException>(() => ModelZoo.FetchAsync("mobilenet", options));

        Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(wrong)), e.Message);
        Assert.Contains(MobileNet.Md5!, e.Message);
        Assert.Empty(Directory.GetFiles(cache.Path, "*", SearchOption.AllDirectories));
        Assert.False(ModelZoo.IsCached("mobilenet", options));
    }

    [Fact]
    public async Task Fetch_unreachable_server_fails_fast_with_manual_instructions()
    {
        using var cache = new TempDir();
        string baseUrl = $"http://127.0.0.1:{LocalWeightsServer.FreePort()}/";
        var options = new ModelZooOptions { CacheDir = cache.Path, BaseUrl = baseUrl };
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<OnnxTransferException>(() => ModelZoo.FetchAsync("vgg19", options));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Contains(baseUrl + "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", e.Message);
        Assert.Contains($"`KerasImporter.Import(vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5, vgg19) -> {ModelZoo.CachedPath("vgg19", options)}`", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Empty(Directory.GetFiles(cache.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Load_not_cached_names_fetch_and_random_weights_alternative()
    {
        using var cache = new TempDir();
        var e = Assert.Throws<OnnxTransferException>(() => ModelZoo.Load("efficientnetb0", new ModelZooOptions { CacheDir = cache.Path }).Proto);
        Assert.Contains("`ModelZoo.FetchAsync(efficientnetb0)`", e.Message);
        Assert.Contains("`KerasImporter.RandomWeights(efficientnetb0)`", e.Message);
    }

    [Fact]
    public void Load_unknown_name_or_missing_file_is_a_user_error()
    {
        var unknown = Assert.Throws<OnnxTransferException>(() => ModelZoo.Load("nasnetlarge").Proto);
        Assert.Contains("efficientnetb0, efficientnetb1, efficientnetb2, efficientnetb3, efficientnetb4, efficientnetb5, efficientnetb6, efficientnetb7, inceptionv3, mobilenet, mobilenetv2, resnet50, vgg16, vgg19", unknown.Message);
        var missing = Assert.Throws<OnnxTransferException>(() => ModelZoo.Load("/nonexistent/model.onnx").Proto);
        Assert.Contains("/nonexistent/model.onnx", missing.Message);
    }

    [Fact]
    public void Load_cached_or_file_returns_the_saved_model()
    {
        using var cache = new TempDir();
        var options = new ModelZooOptions { CacheDir = cache.Path };
        var model = KerasImporter.RandomWeights(KerasArch.MobileNet, new KerasImportOptions { Alpha = 0.25 }, seed: 5).Proto;
        OnnxModelFile.Save(model, ModelZoo.CachedPath("MobileNet", options));
        OnnxModelFile.Save(model, cache.File("m.onnx"));
        Assert.Equal(OnnxModelFile.ToBytes(model), OnnxModelFile.ToBytes(ModelZoo.Load("mobilenet", options).Proto));
        Assert.Equal(OnnxModelFile.ToBytes(model), OnnxModelFile.ToBytes(ModelZoo.Load(cache.File("m.onnx"), options).Proto));
    }

    [Fact]
    public void Cache_dir_follows_onnx_transfer_cache_then_xdg_then_home()
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Dictionary<string, string> env = new() { ["ONNX_TRANSFER_CACHE"] = "/c/explicit", ["XDG_CACHE_HOME"] = "/x" };
        Assert.Equal("/c/explicit", ModelZooOptions.DefaultCacheDir(k => env.GetValueOrDefault(k)));
        env.Remove("ONNX_TRANSFER_CACHE");
        Assert.Equal(Path.Combine("/x", "onnx-transfer"), ModelZooOptions.DefaultCacheDir(k => env.GetValueOrDefault(k)));
        env.Clear();
        Assert.Equal(Path.Combine(home, ".cache", "onnx-transfer"), ModelZooOptions.DefaultCacheDir(k => env.GetValueOrDefault(k)));
    }
}
