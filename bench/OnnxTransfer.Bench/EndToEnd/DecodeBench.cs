using System.Diagnostics;
using OnnxTransfer.Bench.Common;
using OnnxTransfer.Extractor.Imaging;

namespace OnnxTransfer.Bench.EndToEnd;

/// <summary>Single-threaded decode+resize rate with the default JPEG decoder and with SkiaSharp's, and where the time goes.</summary>
public sealed record DecodeResult(int Photos, string Decoder, double ImagesPerSecond, double SkiaImagesPerSecond, double ReadMs,
                                  double SkiaDecodeMs, double ToFloatMs, double ResizeMs, double LoadSkiaMs, double? LoadTurboMs,
                                  string MedianSize, int LargePhotos)
{
    /// <summary>Milliseconds per image of the whole LoadInto(path) loop with the default decoder.</summary>
    public double TotalMs => 1000 / ImagesPerSecond;
}

/// <summary>
/// Single-threaded loops of ImageLoader.LoadInto(path) over the photos (one core's rate, file read
/// included) with the default JPEG decoder and with SkiaSharp's, then the same photos step by step:
/// file read, SkiaSharp's full-size JPEG decode to RGBA, RGBA to float, bilinear resize to 224, and the
/// loader from memory with each decoder, to say which step dominates.
/// </summary>
public static class DecodeBench
{
    public static DecodeResult Run(int limit)
    {
        var all = PhotoSet.Get().Paths;
        var paths = limit > 0 ? all.Take(limit).ToList() : all.ToList();
        var options = new ImageOptions();
        var skia = new ImageOptions { JpegDecoder = JpegDecoder.Skia };
        bool turbo = JpegDecoders.LibjpegTurboAvailable;
        var turboOptions = new ImageOptions { JpegDecoder = turbo ? JpegDecoder.LibjpegTurbo : JpegDecoder.Skia };
        var output = new float[options.TensorLength];
        foreach (var p in paths.Take(16)) { ImageLoader.LoadInto(p, options, output); ImageLoader.LoadInto(p, skia, output); } // JIT, page cache

        double Loop(ImageOptions o)
        {
            var clock = Stopwatch.StartNew();
            foreach (var p in paths) ImageLoader.LoadInto(p, o, output);
            return clock.Elapsed.TotalSeconds;
        }
        double total = Loop(options), skiaTotal = Loop(skia);

        long read = 0, decode = 0, toFloat = 0, resize = 0, loadSkia = 0, loadTurbo = 0;
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
            ImageLoader.LoadInto(bytes, skia, output);
            long t5 = Stopwatch.GetTimestamp();
            ImageLoader.LoadInto(bytes, turboOptions, output);
            long t6 = Stopwatch.GetTimestamp();
            read += t1 - t0; decode += t2 - t1; toFloat += t3 - t2; resize += t4 - t3; loadSkia += t5 - t4; loadTurbo += t6 - t5;
            sizes.Add((w, h));
        }
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency / paths.Count;
        var median = sizes.OrderBy(s => s.W * s.H).ElementAt(sizes.Count / 2);
        // ImageLoader decodes JPEGs at 1/2..1/8 scale only when the short side is at least 4x the output.
        int large = sizes.Count(s => Math.Min(s.W, s.H) >= 4 * options.Size);
        return new DecodeResult(paths.Count, JpegDecoders.Describe(JpegDecoder.Auto), paths.Count / total, paths.Count / skiaTotal,
                                Ms(read), Ms(decode), Ms(toFloat), Ms(resize), Ms(loadSkia), turbo ? Ms(loadTurbo) : null,
                                $"{median.W}x{median.H}", large);
    }
}
