using Xunit;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Tests;

namespace OnnxTransfer.Extractor.Tests.Keras;

/// <summary>Every bad input gives a one-line OnnxTransferException naming the file and the problem.</summary>
public sealed class KerasErrorTests : IDisposable
{
    private static readonly KerasImportOptions Alpha25 = new() { Alpha = 0.25 };
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string WriteMobileNet(Func<TestLayer, TestLayer?>? edit = null)
    {
        string path = _dir.File("mobilenet_2_5.h5");
        KerasH5Writer.Write(path, TestArchitectures.MobileNet(0.25), seed: 1, edit: edit);
        return path;
    }

    private static string Fails(Action import)
    {
        var e = Assert.Throws<OnnxTransferException>(import);
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    [Fact]
    public void Missing_file()
    {
        string path = _dir.File("nope.h5");
        string msg = Fails(() => KerasImporter.Import(path, KerasArch.Vgg19, new KerasImportOptions()));
        Assert.Contains("nope.h5", msg);
        Assert.Contains("not found", msg);
        Assert.Contains("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", msg);
    }

    [Fact]
    public void Not_an_hdf5_file()
    {
        string path = _dir.File("weights.h5");
        File.WriteAllText(path, "this is not HDF5 at all, just some text that is long enough");
        string msg = Fails(() => KerasImporter.Import(path, KerasArch.EfficientNetB0, new KerasImportOptions()));
        Assert.Contains("weights.h5", msg);
        Assert.Contains("not an HDF5 file", msg);
    }

    [Fact]
    public void File_of_another_architecture_says_what_it_looks_like()
    {
        string path = WriteMobileNet();
        string msg = Fails(() => KerasImporter.Import(path, KerasArch.Vgg19, new KerasImportOptions()));
        Assert.Contains("mobilenet_2_5.h5", msg);
        Assert.Contains("block1_conv1", msg);
        Assert.Contains("MobileNet alpha 0.25", msg);
    }

    [Fact]
    public void Wrong_alpha_reports_shapes_and_the_files_alpha()
    {
        string path = WriteMobileNet();
        string msg = Fails(() => KerasImporter.Import(path, KerasArch.MobileNet, new KerasImportOptions { Alpha = 1.0 }));
        Assert.Contains("conv1/conv1/kernel:0", msg);
        Assert.Contains("(3, 3, 3, 8)", msg);
        Assert.Contains("(3, 3, 3, 32)", msg);
        Assert.Contains("alpha 0.25", msg);
    }

    [Fact]
    public void Missing_layer()
    {
        string path = WriteMobileNet(l => l.Name == "conv_pw_7" ? null : l);
        string msg = Fails(() => KerasImporter.Import(path, KerasArch.MobileNet, Alpha25));
        Assert.Contains("mobilenet_2_5.h5", msg);
        Assert.Contains("'conv_pw_7'", msg);
    }

    [Fact]
    public void Missing_weight()
    {
        string path = WriteMobileNet(l => l.Name == "conv_dw_3_bn" ? l with { Weights = l.Weights[..3] } : l);
        string msg = Fails(() => KerasImporter.Import(path, KerasArch.MobileNet, Alpha25));
        Assert.Contains("mobilenet_2_5.h5", msg);
        Assert.Contains("'conv_dw_3_bn'", msg);
        Assert.Contains("'moving_variance'", msg);
    }

    [Fact]
    public void Weight_with_wrong_shape()
    {
        string path = WriteMobileNet(l => l.Name == "conv_pw_5_bn"
            ? l with { Weights = [.. l.Weights.Select(w => w.Weight == "beta" ? (w.Weight, new[] { 7 }) : w)] }
            : l);
        string msg = Fails(() => KerasImporter.Import(path, KerasArch.MobileNet, Alpha25));
        Assert.Contains("'conv_pw_5_bn/conv_pw_5_bn/beta:0'", msg);
        Assert.Contains("shape (7)", msg);
        Assert.Contains("expected (64)", msg);
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(2.0)]
    public void Unsupported_alpha(double alpha)
    {
        string msg = Fails(() => KerasImporter.RandomWeights(KerasArch.MobileNet, new KerasImportOptions { Alpha = alpha }, 1));
        Assert.Contains("alpha", msg);
        Assert.Contains("0.25, 0.5, 0.75 or 1.0", msg);
    }

    private const string RealFile = "mobilenet_2_5_224_tf_no_top.h5";

    // The first bytes of the real file, and optionally its superblock's end-of-file address (byte 40 in
    // this version 0 superblock) set to the cut, as a writer that stopped early leaves it.
    private string Truncate(long cut, bool recordCut = false)
    {
        byte[] head = new byte[cut];
        using (var source = File.OpenRead(SharedData.Models(RealFile))) source.ReadExactly(head);
        if (recordCut)
        {
            Assert.Equal(0, head[8]); // superblock version 0 ...
            Assert.Equal(8, head[13]); // ... with 8-byte addresses
            BitConverter.TryWriteBytes(head.AsSpan(40, 8), cut);
        }
        string path = _dir.File(RealFile);
        File.WriteAllBytes(path, head);
        return path;
    }

    // From inside the superblock to one byte short of the end (2,108,140 bytes); PureHDF alone failed at
    // opening, at a group or at a dataset read depending on the cut, and imported the last two without a word.
    [SharedTheory]
    [InlineData(30L)]
    [InlineData(100L)]
    [InlineData(8192L)]
    [InlineData(65536L)]
    [InlineData(1_054_070L)]
    [InlineData(2_000_000L)]
    [InlineData(2_108_139L)]
    public void A_truncated_real_file_is_refused(long cut)
    {
        string path = Truncate(cut);
        string msg = Fails(() => KerasImporter.Import(path, KerasArch.MobileNet, Alpha25));
        Assert.StartsWith($"'{RealFile}' is truncated: ", msg);
        Assert.Contains(cut < 48 ? "it ends inside its HDF5 superblock" : $"it has {cut} of the 2108140 bytes its HDF5 superblock records", msg);
        Assert.EndsWith($"download https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/{RealFile} again.", msg);
    }

    // Cuts in a file that records them as its end: nothing tells them from a whole file until a read runs
    // past the end, which must still be a one-line error wherever it happens: opening the file, reading
    // the root group's attributes, a layer's group, a weight.
    [SharedTheory]
    [InlineData(2048L, "as HDF5")]
    [InlineData(100L, "at the root group")]
    [InlineData(8192L, "at layer 'conv1'")]
    [InlineData(1_054_070L, "at weight 'conv_pw_")]
    public void A_damaged_real_file_is_refused(long cut, string where)
    {
        string path = Truncate(cut, recordCut: true);
        string msg = Fails(() => KerasImporter.Import(path, KerasArch.MobileNet, Alpha25));
        Assert.StartsWith($"'{RealFile}' could not be read {where}", msg);
        Assert.EndsWith("the file is damaged or truncated, download it again.", msg);
    }

    [Fact]
    public void Not_a_keras_weights_file()
    {
        string path = _dir.File("plain.h5");
        new PureHDF.H5File { ["data"] = new float[] { 1, 2, 3 } }.Write(path);
        string msg = Fails(() => KerasImporter.Import(path, KerasArch.MobileNet, Alpha25));
        Assert.Contains("plain.h5", msg);
        Assert.Contains("layer_names", msg);
    }
}
