using BenchmarkDotNet.Attributes;
using OnnxTransfer.Bench.Common;
using OnnxTransfer.Extractor.Imaging;

namespace OnnxTransfer.Bench.Micro;

/// <summary>
/// Per-image cost of each interpolation, the whole ImageLoader.LoadInto(path) to 224x224 over the same
/// <see cref="Photos"/> photos: the Pillow modes decode JPEGs at full size (as PIL does), so they pay that too.
/// </summary>
[Config(typeof(QuickConfig))]
public class ResizeModeBenchmarks
{
    private const int Photos = 16;
    private string[] _paths = [];
    private ImageOptions _options = new();
    private float[] _output = [];

    /// <summary>An interpolation, or resize:interpolation (torchvision's eval transform is short-side:pil-bilinear).</summary>
    [Params("bilinear", "pil-nearest", "pil-bilinear", "pil-bicubic", "pil-lanczos", "short-side:pil-bilinear")]
    public string Mode { get; set; } = "bilinear";

    [GlobalSetup]
    public void Setup()
    {
        var set = PhotoSet.Get();
        _paths = Enumerable.Range(0, Photos).Select(i => set.Paths[i * set.Paths.Count / Photos]).ToArray();
        string[] parts = Mode.Split(':');
        _options = new ImageOptions
        {
            Resize = parts.Length == 2 ? OptionNames.Parse<ResizeMode>(parts[0]) : ResizeMode.Stretch,
            Interpolation = OptionNames.Parse<Interpolation>(parts[^1]),
        };
        _output = new float[_options.TensorLength];
    }

    [Benchmark(OperationsPerInvoke = Photos, Description = "decode+resize file (LoadInto)")]
    public void LoadInto()
    {
        foreach (var path in _paths) ImageLoader.LoadInto(path, _options, _output);
    }
}
