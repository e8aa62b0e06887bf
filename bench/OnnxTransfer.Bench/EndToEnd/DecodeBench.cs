using System.Diagnostics;
using OnnxTransfer.Bench.Common;
using OnnxTransfer.Extractor.Imaging;

namespace OnnxTransfer.Bench.EndToEnd;

/// <summary>Single-threaded decode+resize rate, and where the time goes.</summary>
public sealed record DecodeResult(int Photos, double ImagesPerSecond, double ReadMs, double DecodeMs, double ToFloatMs, double ResizeMs,
                                  double LoadFromMemoryMs, string MedianSize, int LargePhotos)
{
    /// <summary>Milliseconds per image of the whole LoadInto(path) loop.</summary>
    public double TotalMs => 1000 / ImagesPerSecond;
}

/// <summary>
/// A single-threaded loop of ImageLoader.LoadInto over the photos (one core's rate, file read
/// included), then the same photos step by step: file read, JPEG decode to RGBA at full size,
/// RGBA to float, bilinear resize to 224, to say which step dominates.
/// </summary>
public static class DecodeBench
{
    public static DecodeResult Run(int limit)
    {
        var all = PhotoSet.Get().Paths;
        var paths = limit > 0 ? all.Take(limit).ToList() : all.ToList();
        var options = new ImageOptions();
        var output = new float[options.TensorLength];
        foreach (var p in paths.Take(16)) ImageLoader.LoadInto(p, options, output); // JIT and page cache

        var clock = Stopwatch.StartNew();
        foreach (var p in paths) ImageLoader.LoadInto(p, options, output);
        double total = clock.Elapsed.TotalSeconds;

        long read = 0, decode = 0, toFloat = 0, resize = 0, fromMemory = 0;
        byte[] rgba = [];
        float[] rgb = [];
        var sizes = new List<(int W, int H)>();
        foreach (var p in paths)
        {
            long t0 = Stopwatch.GetTimestamp();
            byte[] bytes = File.ReadAllBytes(p);
            long t1 = Stopwatch.GetTimestamp();
            var (w, h) = DecodeSteps.DecodeRgba(bytes, ref rgba);
            long t2 = Stopwatch.GetTimestamp();
            if (rgb.Length < w * h * 3) rgb = new float[w * h * 3];
            DecodeSteps.ToFloatRgb(rgba.AsSpan(0, w * h * 4), rgb.AsSpan(0, w * h * 3));
            long t3 = Stopwatch.GetTimestamp();
            Resampler.Resize(rgb, w, h, output, options.Size, options.Size, Interpolation.Bilinear);
            long t4 = Stopwatch.GetTimestamp();
            ImageLoader.LoadInto(bytes, options, output);
            long t5 = Stopwatch.GetTimestamp();
            read += t1 - t0; decode += t2 - t1; toFloat += t3 - t2; resize += t4 - t3; fromMemory += t5 - t4;
            sizes.Add((w, h));
        }
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency / paths.Count;
        var median = sizes.OrderBy(s => s.W * s.H).ElementAt(sizes.Count / 2);
        // ImageLoader decodes JPEGs at 1/2..1/8 scale only when the short side is at least 4x the output.
        int large = sizes.Count(s => Math.Min(s.W, s.H) >= 4 * options.Size);
        return new DecodeResult(paths.Count, paths.Count / total, Ms(read), Ms(decode), Ms(toFloat), Ms(resize), Ms(fromMemory),
                                $"{median.W}x{median.H}", large);
    }
}
