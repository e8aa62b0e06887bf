using BenchmarkDotNet.Attributes;
using OnnxTransfer.Bench.Common;
using OnnxTransfer.Extractor.Imaging;

namespace OnnxTransfer.Bench.Micro;

/// <summary>
/// Per-image cost of getting a photo into the model's input: the whole ImageLoader.LoadInto, and its
/// two main steps alone (JPEG decode; bilinear resize to 224x224, the preprocessing done outside the
/// graph). Each invocation goes over the same <see cref="Photos"/> photos, so times are per image.
/// </summary>
[Config(typeof(QuickConfig))]
public class ImageBenchmarks
{
    private const int Photos = 16;
    private readonly ImageOptions _options = new();
    private string[] _paths = [];
    private byte[][] _encoded = [];
    private (float[] Rgb, int Width, int Height)[] _decoded = [];
    private float[] _output = [];
    private byte[] _rgba = [];

    [GlobalSetup]
    public void Setup()
    {
        var set = PhotoSet.Get();
        // Spread over the set so the mix of sizes is the dataset's.
        _paths = Enumerable.Range(0, Photos).Select(i => set.Paths[i * set.Paths.Count / Photos]).ToArray();
        _encoded = _paths.Select(File.ReadAllBytes).ToArray();
        _decoded = _encoded.Select(bytes =>
        {
            var (w, h) = DecodeSteps.DecodeRgba(bytes, ref _rgba);
            var rgb = new float[w * h * 3];
            DecodeSteps.ToFloatRgb(_rgba, rgb);
            return (rgb, w, h);
        }).ToArray();
        _output = new float[_options.TensorLength];
    }

    [Benchmark(OperationsPerInvoke = Photos, Description = "decode+resize file (LoadInto)")]
    public void DecodeResizeFile()
    {
        foreach (var path in _paths) ImageLoader.LoadInto(path, _options, _output);
    }

    [Benchmark(OperationsPerInvoke = Photos, Description = "JPEG decode only (RGBA, full size)")]
    public int DecodeOnly()
    {
        int pixels = 0;
        foreach (var bytes in _encoded) pixels += DecodeSteps.DecodeRgba(bytes, ref _rgba).Width;
        return pixels;
    }

    [Benchmark(OperationsPerInvoke = Photos, Description = "resize to 224 only (bilinear)")]
    public void ResizeOnly()
    {
        foreach (var (rgb, w, h) in _decoded)
            Resampler.Resize(rgb, w, h, _output, _options.Size, _options.Size, Interpolation.Bilinear);
    }
}
