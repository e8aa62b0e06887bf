using OnnxTransfer.Tests;

namespace OnnxTransfer.Extractor.Tests.Keras;

/// <summary>A test-written Keras .h5 with the official names and shapes and random weights; written
/// once per test class because the VGG19 one is 80 MB.</summary>
public abstract class H5Fixture : IDisposable
{
    private readonly TempDir _dir = new();

    protected H5Fixture(string name, List<TestLayer> layers, int seed, bool fixedStrings)
    {
        Layers = layers;
        Path = _dir.File(name);
        Weights = KerasH5Writer.Write(Path, layers, seed, fixedStrings);
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
