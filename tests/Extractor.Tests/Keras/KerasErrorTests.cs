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
    public void MissingFile()
    {
        string path = _dir.File("nope.h5");
        string msg = Fails(() => KerasImporter.Import(path, KerasArch.Vgg19, new KerasImportOptions()));
        Assert.Contains("nope.h5", msg);
        Assert.Contains("not found", msg);
        Assert.Contains("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", msg);
    }

    [Fact]
    public void NotAnHdf5File()
    {
        string path = _dir.File("weights.h5");
        File.WriteAllText(path, "this is not HDF5 at all, just some text that is long enough");
        string msg = Fails(() => KerasImporter.Import(path, KerasArch.EfficientNetB0, new KerasImportOptions()));
        Assert.Contains("weights.h5", msg);
        Assert.Contains("not an HDF5 file", msg);
    }

    [Fact]
    public void FileOfAnotherArchitectureSaysWhatItLooksLike()
    {
        string path = WriteMobileNet();
        string msg = Fails(() => KerasImporter.Import(path, KerasArch.Vgg19, new KerasImportOptions()));
        Assert.Contains("mobilenet_2_5.h5", msg);
        Assert.Contains("block1_conv1", msg);
        Assert.Contains("MobileNet alpha 0.25", msg);
    }

    [Fact]
    public void WrongAlphaReportsShapesAndTheFilesAlpha()
    {
        string path = WriteMobileNet();
        string msg = Fails(() => KerasImporter.Import(path, KerasArch.MobileNet, new KerasImportOptions { Alpha = 1.0 }));
        Assert.Contains("conv1/conv1/kernel:0", msg);
        Assert.Contains("(3, 3, 3, 8)", msg);
        Assert.Contains("(3, 3, 3, 32)", msg);
        Assert.Contains("alpha 0.25", msg);
    }

    [Fact]
    public void MissingLayer()
    {
        string path = WriteMobileNet(l => l.Name == "conv_pw_7" ? null : l);
        string msg = Fails(() => KerasImporter.Import(path, KerasArch.MobileNet, Alpha25));
        Assert.Contains("mobilenet_2_5.h5", msg);
        Assert.Contains("'conv_pw_7'", msg);
    }

    [Fact]
    public void MissingWeight()
    {
        string path = WriteMobileNet(l => l.Name == "conv_dw_3_bn" ? l with { Weights = l.Weights[..3] } : l);
        string msg = Fails(() => KerasImporter.Import(path, KerasArch.MobileNet, Alpha25));
        Assert.Contains("mobilenet_2_5.h5", msg);
        Assert.Contains("'conv_dw_3_bn'", msg);
        Assert.Contains("'moving_variance'", msg);
    }

    [Fact]
    public void WeightWithWrongShape()
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
    public void UnsupportedAlpha(double alpha)
    {
        string msg = Fails(() => KerasImporter.RandomWeights(KerasArch.MobileNet, new KerasImportOptions { Alpha = alpha }, 1));
        Assert.Contains("alpha", msg);
        Assert.Contains("0.25, 0.5, 0.75 or 1.0", msg);
    }

    [Fact]
    public void NotAKerasWeightsFile()
    {
        string path = _dir.File("plain.h5");
        new PureHDF.H5File { ["data"] = new float[] { 1, 2, 3 } }.Write(path);
        string msg = Fails(() => KerasImporter.Import(path, KerasArch.MobileNet, Alpha25));
        Assert.Contains("plain.h5", msg);
        Assert.Contains("layer_names", msg);
    }
}
