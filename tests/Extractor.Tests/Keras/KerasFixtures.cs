using OnnxTransfer.Tests;

namespace OnnxTransfer.Extractor.Tests.Keras;

/// <summary>A test-written Keras .h5 with the official names and shapes and random weights; written
/// once per test class because the VGG19 one is 80 MB.</summary>
public abstract class H5Fixture : IDisposable
{
    private readonly TempDir _dir = new();

    protected H5Fixture(string name, List<TestLayer> layers, int seed, bool fixedStrings, double kernelGain = 2)
    {
        Layers = layers;
        Path = _dir.File(name);
        Weights = KerasH5Writer.Write(Path, layers, seed, fixedStrings, kernelGain: kernelGain);
    }

    public List<TestLayer> Layers { get; }
    public string Path { get; }
    public Dictionary<string, float[]> Weights { get; }

    public void Dispose()
    {
        _dir.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class Vgg19H5 : H5Fixture
{
    public Vgg19H5() : base("vgg19_notop.h5", TestArchitectures.Vgg19(), seed: 19, fixedStrings: true) { }
}

public sealed class EfficientNetB0H5 : H5Fixture
{
    public EfficientNetB0H5() : base("efficientnetb0_notop.h5", TestArchitectures.EfficientNetB0(), seed: 7, fixedStrings: false) { }
}

public sealed class Vgg16H5 : H5Fixture
{
    public Vgg16H5() : base("vgg16_notop.h5", TestArchitectures.Vgg16(), seed: 16, fixedStrings: true) { }
}

/// <summary>EfficientNetB1: the depth scaling (ceil(1.1 x repeats) adds a block to five stages) at B0's widths.</summary>
public sealed class EfficientNetB1H5 : H5Fixture
{
    public EfficientNetB1H5() : base("efficientnetb1_notop.h5", TestArchitectures.EfficientNet(1), seed: 11, fixedStrings: false, kernelGain: 1) { }
}

/// <summary>EfficientNetB3: width 1.2, where round_filters rounds to multiples of 8 (38.4 -> 40, 19.2 -> 24) and depth 1.4.</summary>
public sealed class EfficientNetB3H5 : H5Fixture
{
    public EfficientNetB3H5() : base("efficientnetb3_notop.h5", TestArchitectures.EfficientNet(3), seed: 13, fixedStrings: false, kernelGain: 1) { }
}
