using Xunit;
using Google.Protobuf;
using OnnxTransfer.Extractor.Models;

namespace OnnxTransfer.Extractor.Tests.Keras;

public sealed class KerasRandomWeightsTests
{
    [Theory]
    [InlineData(KerasArch.MobileNet)]
    [InlineData(KerasArch.EfficientNetB0)]
    [InlineData(KerasArch.MobileNetV2)]
    public void Same_seed_gives_identical_bytes_and_another_seed_differs(KerasArch arch)
    {
        var options = new KerasImportOptions { Alpha = 0.5 };
        byte[] a = KerasImporter.RandomWeights(arch, options, seed: 42).Proto.ToByteArray();
        byte[] b = KerasImporter.RandomWeights(arch, options, seed: 42).Proto.ToByteArray();
        byte[] c = KerasImporter.RandomWeights(arch, options, seed: 43).Proto.ToByteArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }
}
