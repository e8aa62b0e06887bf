using System.Net;
using System.Net.Sockets;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Cli.Tests;

/// <summary>A random-weights MobileNet (alpha 0.25, fast) imported once through the CLI for the tests that read it.</summary>
public sealed class MobileNetFile : IDisposable
{
    private readonly TempDir _dir = new();

    public MobileNetFile()
    {
        Path = _dir.File("mobilenet.onnx");
        Import = Cli.Run("models", "import", "--random-weights", "--arch", "mobilenet", "--seed", "7", "-o", Path);
    }

    public string Path { get; }
    public CliResult Import { get; }

    public string File(string name) => _dir.File(name);

    public void Dispose() => _dir.Dispose();
}

public class ModelsCliTests(MobileNetFile mobilenet) : IClassFixture<MobileNetFile>
{
    [Fact]
    public void Import_random_weights_writes_the_model_and_says_it_is_random()
    {
        Assert.Equal(0, mobilenet.Import.ExitCode);
        Assert.Contains("RANDOM weights", mobilenet.Import.Out);
        var info = ModelInfo.Read(OnnxModelFile.Load(mobilenet.Path));
        Assert.Equal("mobilenet", info.Arch);
        Assert.True(info.RandomWeights);
        Assert.Equal("random:seed=7,calibrated", info.Weights);
        // Keras MobileNet alpha 0.25 notop: 218,544 parameters (the published count of the real file).
        Assert.Contains("218,544 params", mobilenet.Import.Out);
    }

    [Fact]
    public void Layers_prints_shapes_at_the_requested_size_and_the_total()
    {
        var r = Cli.Run("models", "layers", mobilenet.Path, "--input-size", "64");
        Assert.Equal(0, r.ExitCode);
        // 64 / 32 = 2 after MobileNet's five stride-2 stages; 1024 * 0.25 = 256 channels.
        Assert.Matches(@"conv_pw_13_relu \(ReLU\)\s*│\s*\(None, 2, 2, 256\)", r.Out);
        Assert.Contains("Total params: 218,544", r.Out.Split('\n').Select(l => l.Trim()));
        Assert.Contains("Weights: RANDOM weights", r.Out);
    }

    [Fact]
    public void Truncate_writes_feature_outputs_with_pooling()
    {
        string output = mobilenet.File("truncated.onnx");
        var r = Cli.Run("models", "truncate", mobilenet.Path, "--layer", "conv_pw_5_relu", "--layer", "conv_pw_13_relu", "--pool", "avg", "-o", output);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("RANDOM weights", r.Out);
        var truncated = OnnxModelFile.Load(output);
        var features = ModelInfo.Read(truncated).Features;
        Assert.Equal(["features.conv_pw_5_relu", "features.conv_pw_13_relu"], features.Select(f => f.Output).ToArray());
        Assert.Equal([64L], features[0].Shape); // conv_pw_5 has 256 filters in Keras MobileNet; x 0.25
        Assert.Equal([256L], features[1].Shape);
        Assert.All(features, f => Assert.Equal("avg", f.Pool));
        Assert.Equal(features.Select(f => f.Output), truncated.Graph.Output.Select(o => o.Name));

        // The truncated model is still summarised: its layers are the ones that remain.
        var layers = Cli.Run("models", "layers", output);
        Assert.Equal(0, layers.ExitCode);
        Assert.Contains("Total params: 218,544", layers.Out);
    }

    [Fact]
    public void Unknown_layer_is_one_error_line_with_the_closest_names()
    {
        var r = Cli.Run("models", "truncate", mobilenet.Path, "--layer", "conv_pw_5_rel", "-o", mobilenet.File("x.onnx"));
        AssertUserError(r, "Layer 'conv_pw_5_rel' not found in mobilenet; closest: conv_pw_5_relu");
        Assert.False(File.Exists(mobilenet.File("x.onnx")));
    }

    [Fact]
    public void Bad_pool_is_one_error_line()
    {
        var r = Cli.Run("models", "truncate", mobilenet.Path, "--layer", "conv_pw_5_relu", "--pool", "mean", "-o", mobilenet.File("x.onnx"));
        AssertUserError(r, "Pool mode 'mean' is not valid; use none, avg or max.");
    }

    [Fact]
    public void Bad_jpeg_decoder_is_one_error_line()
    {
        var r = Cli.Run("extract", mobilenet.File("none"), "--model", mobilenet.Path, "--layer", "conv_pw_5_relu", "--jpeg-decoder", "pil", "-o", mobilenet.File("f"));
        AssertUserError(r, "pil");
    }

    [Fact]
    public void Corrupt_onnx_is_one_error_line_naming_the_file()
    {
        string bad = mobilenet.File("corrupt.onnx");
        var bytes = new byte[4096];
        new Random(11).NextBytes(bytes);
        File.WriteAllBytes(bad, bytes);
        AssertUserError(Cli.Run("models", "layers", bad), bad);
        File.WriteAllBytes(bad, File.ReadAllBytes(mobilenet.Path)[..100_000]);
        AssertUserError(Cli.Run("models", "truncate", bad, "--layer", "conv1", "-o", mobilenet.File("y.onnx")), bad);
    }

    [Fact]
    public void Missing_files_are_one_error_line_naming_the_file()
    {
        string missing = mobilenet.File("nope.onnx");
        AssertUserError(Cli.Run("models", "layers", missing), missing);
        string missingH5 = mobilenet.File("nope.h5");
        AssertUserError(Cli.Run("models", "import", "--keras", missingH5, "--arch", "mobilenet", "-o", mobilenet.File("z.onnx")), missingH5);
    }

    [Fact]
    public void Keras_file_that_is_not_hdf5_is_one_error_line()
    {
        string text = mobilenet.File("weights.h5");
        File.WriteAllText(text, "these are not Keras weights\n");
        AssertUserError(Cli.Run("models", "import", "--keras", text, "--arch", "mobilenet", "-o", mobilenet.File("z.onnx")), "'weights.h5' is not an HDF5 file");
    }

    [Theory]
    [InlineData("--random-weights --arch vgg19 --preprocess tf", "--preprocess applies to --onnx only")]
    [InlineData("--random-weights --arch vgg19 --alpha 0.5", "--alpha applies to --arch mobilenet and mobilenetv2 only")]
    [InlineData("--random-weights", "--random-weights needs --arch")]
    [InlineData("--random-weights --arch resnet101", "--arch 'resnet101' is not a built-in architecture")]
    [InlineData("--arch vgg19", "Pass exactly one of --keras FILE.h5, --random-weights or --onnx FILE.")]
    [InlineData("--keras a.h5 --random-weights --arch vgg19", "Pass exactly one of")]
    [InlineData("--keras a.h5 --arch vgg19 --seed 3", "--seed only applies to --random-weights.")]
    [InlineData("--onnx a.onnx", "--onnx needs --preprocess")]
    [InlineData("--onnx a.onnx --preprocess torch --arch vgg19", "--arch and --alpha apply to --keras and --random-weights")]
    public void InvalidImportCombinations_AreOneErrorLine(string options, string message)
    {
        string output = mobilenet.File("combo.onnx");
        var r = Cli.Run(["models", "import", .. options.Split(' '), "-o", output]);
        AssertUserError(r, message);
        Assert.False(File.Exists(output));
    }

    [SharedFact]
    public void Import_onnx_wraps_squeeze_net_and_records_its_sha256()
    {
        string output = mobilenet.File("squeezenet.onnx");
        var r = Cli.Run("models", "import", "--onnx", SharedData.Models("squeezenet1.1-fp16.onnx"), "--preprocess", "bgr255", "-o", output);
        Assert.Equal(0, r.ExitCode);
        var info = ModelInfo.Read(OnnxModelFile.Load(output));
        Assert.Equal("onnx", info.Arch);
        Assert.Equal("bgr255", info.Preprocess);
        // The sha256 published for the shared file in shared/README.md.
        Assert.Equal("onnx:sha256=21f25e3d9254af93e6218a359469fac714a017b3f9035c0f5c4acbf9a3ff7233", info.Weights);
    }

    [SharedFact]
    public void Import_keras_converts_the_real_mobile_net_file_at_alpha_quarter_by_default()
    {
        string output = mobilenet.File("real-mobilenet.onnx");
        string h5 = SharedData.Models("mobilenet_2_5_224_tf_no_top.h5");
        var r = Cli.Run("models", "import", "--keras", h5, "--arch", "mobilenet", "-o", output);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("218,544 params", r.Out);
        Assert.DoesNotContain("RANDOM", r.Out);
        var info = ModelInfo.Read(OnnxModelFile.Load(output));
        Assert.False(info.RandomWeights);
        Assert.Equal($"keras:md5={OnnxTransfer.IO.Hashing.Md5File(h5)}", info.Weights);
    }

    [Fact]
    public void List_shows_cache_state_from_onnx_transfer_cache()
    {
        using var cache = new TempDir();
        File.Copy(mobilenet.Path, cache.File("mobilenet.onnx"));
        using var env = Cli.Env("ONNX_TRANSFER_CACHE", cache.Path);
        var r = Cli.Run("models", "list");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"mobilenet\s*│\s*224\s*│\s*2\.1 MB\s*│\s*yes\s*│\s*unstated", r.Out);
        Assert.Matches(@"vgg19\s*│\s*224\s*│\s*80\.1 MB\s*│\s*no\s*│\s*CC BY", r.Out);
        Assert.Matches(@"efficientnetb7\s*│\s*600\s*│\s*unknown", r.Out);
        Assert.Contains("vgg19: --layer block5_pool --pool avg, preprocessing caffe; https://storage.googleapis.com/tensorflow/keras-applications/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", r.Out);
        Assert.Contains($"Cache: {cache.Path}", r.Out);

        // A cached built-in loads by name.
        var layers = Cli.Run("models", "layers", "mobilenet", "--input-size", "32");
        Assert.Equal(0, layers.ExitCode);
        Assert.Contains("Total params: 218,544", layers.Out);
    }

    [Fact]
    public void Fetch_unreachable_fails_with_the_manual_import_command()
    {
        using var cache = new TempDir();
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        using var env = Cli.Env("ONNX_TRANSFER_CACHE", cache.Path);
        using var url = Cli.Env("ONNX_TRANSFER_WEIGHTS_URL", $"http://127.0.0.1:{port}/");
        var r = Cli.Run("models", "fetch", "mobilenet");
        AssertUserError(r, "onnx-transfer models import --keras mobilenet_2_5_224_tf_no_top.h5 --arch mobilenet --alpha 0.25 -o ");
    }

    [Fact]
    public void Not_cached_built_in_names_fetch()
    {
        using var cache = new TempDir();
        using var env = Cli.Env("ONNX_TRANSFER_CACHE", cache.Path);
        AssertUserError(Cli.Run("models", "layers", "vgg19"), "onnx-transfer models fetch vgg19");
    }

    private static void AssertUserError(CliResult r, string expected)
    {
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.ErrorLines);
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
        Assert.DoesNotContain("   at ", r.Error + r.Out);
    }
}
