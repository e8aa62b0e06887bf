using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Imaging;

/// <summary>
/// <see cref="PilResampler"/> against hand-computed cases and against <see cref="NaivePillow"/>, an independent
/// double-precision evaluation of Pillow's formulas (the real Pillow is in <see cref="PillowParityTests"/>).
/// </summary>
public class PilResamplerTests
{
    private static byte[] Resize(byte[] rgba, int width, int height, int dstWidth, int dstHeight, Interpolation interpolation)
    {
        var rgb = new byte[dstWidth * dstHeight * 3];
        PilResampler.Resize(rgba, width, (0, 0, width, height), rgb, dstWidth, dstHeight, interpolation);
        return rgb;
    }

    private static byte[] Gray(params byte[] values) => [.. values.SelectMany(v => new[] { v, v, v, (byte)255 })];

    [Fact]
    public void Bilinear_halving_of_four_pixels_weighs_three_sevenths_as_Pillow_widens_the_triangle()
    {
        // Scale 2 widens the triangle to a support of 2: output 0 is centred at 1.0 and reads pixels 0..2 at
        // distances 0.5, 0.5, 1.5 (weights 0.75, 0.75, 0.25 -> 3/7, 3/7, 1/7): (0*3 + 70*3 + 140) / 7 = 50;
        // output 1 reads pixels 1..3 with 1/7, 3/7, 3/7: (70 + 140*3 + 210*3) / 7 = 160.
        var rgb = Resize(Gray(0, 70, 140, 210), 4, 1, 2, 1, Interpolation.PilBilinear);
        Assert.Equal(new byte[] { 50, 50, 50, 160, 160, 160 }, rgb);
    }

    [Fact]
    public void Nearest_halving_takes_every_second_pixel_from_the_second()
    {
        // The sample point starts at half a step (1.0) and moves by 2: pixels 1 and 3.
        var rgb = Resize(Gray(10, 20, 30, 40), 4, 1, 2, 1, Interpolation.PilNearest);
        Assert.Equal(new byte[] { 20, 20, 20, 40, 40, 40 }, rgb);
    }

    [Fact]
    public void Bicubic_overshoot_is_clipped_to_a_byte()
    {
        // Doubling a 0 | 255 edge: the negative lobes push the pixels beside the edge past 0 and 255, which clip.
        var rgb = Resize(Gray(0, 0, 255, 255), 4, 1, 8, 1, Interpolation.PilBicubic);
        var expected = NaivePillow.Resize(Gray(0, 0, 255, 255), 4, 1, 8, 1, Interpolation.PilBicubic);
        Assert.Equal(expected, rgb);
        Assert.Equal(0, rgb.Min());
        Assert.Equal(255, rgb.Max());
    }

    [Theory]
    [InlineData(Interpolation.PilNearest)]
    [InlineData(Interpolation.PilBilinear)]
    [InlineData(Interpolation.PilBicubic)]
    [InlineData(Interpolation.PilLanczos)]
    public void Same_size_is_the_identity(Interpolation interpolation)
    {
        var rgba = TestImages.RandomRgba(5, 3, seed: 1);
        var rgb = Resize(rgba, 5, 3, 5, 3, interpolation);
        for (int p = 0; p < 15; p++)
            for (int c = 0; c < 3; c++) Assert.Equal(rgba[p * 4 + c], rgb[p * 3 + c]);
    }

    [Theory]
    [InlineData(Interpolation.PilNearest, 97, 61, 31, 45)]
    [InlineData(Interpolation.PilNearest, 41, 31, 113, 77)]
    [InlineData(Interpolation.PilBilinear, 97, 61, 31, 45)]
    [InlineData(Interpolation.PilBilinear, 41, 31, 113, 77)]
    [InlineData(Interpolation.PilBilinear, 300, 200, 7, 200)]
    [InlineData(Interpolation.PilBicubic, 97, 61, 31, 45)]
    [InlineData(Interpolation.PilBicubic, 41, 31, 113, 77)]
    [InlineData(Interpolation.PilLanczos, 97, 61, 31, 45)]
    [InlineData(Interpolation.PilLanczos, 41, 31, 113, 77)]
    [InlineData(Interpolation.PilLanczos, 64, 64, 64, 19)]
    public void Matches_a_naive_double_precision_evaluation_of_Pillows_formulas(Interpolation interpolation, int width, int height, int dstWidth, int dstHeight)
    {
        // Upscaled sources have odd sizes: then no output centre falls exactly on a pixel centre or halfway between
        // two, where the naive double sums land a hair either side of a tie that Pillow's rounded coefficients
        // (and its running nearest coordinate) resolve one way; the real Pillow checks those in PillowParityTests.
        var rgba = Smooth(width, height);
        var actual = Resize(rgba, width, height, dstWidth, dstHeight, interpolation);
        var expected = NaivePillow.Resize(rgba, width, height, dstWidth, dstHeight, interpolation);
        // Pillow's 22-bit coefficients can move a value lying within about 1e-4 of a rounding boundary to the other
        // side; anything more than one level, or more than a few such pixels, is a different algorithm.
        int differing = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1, $"byte {i}: {actual[i]} vs {expected[i]}");
            if (actual[i] != expected[i]) differing++;
        }
        Assert.True(differing <= actual.Length / 500, $"{differing} of {actual.Length} bytes differ by one level");
    }

    [Fact]
    public void Aliases_parse_to_the_mode_whose_name_is_recorded()
    {
        Assert.Equal(Interpolation.PilNearest, OptionNames.Parse<Interpolation>("keras-load-img"));
        Assert.Equal(Interpolation.Bilinear, OptionNames.Parse<Interpolation>("keras-dataset"));
        Assert.Equal("pil-bilinear", OptionNames.Name(OptionNames.Parse<Interpolation>("pil-bilinear")));
    }

    [Fact]
    public void Pil_modes_ignore_exif_orientation_as_PIL_does()
    {
        var jpeg = TestImages.Encode(TestImages.RandomRgba(8, 8, seed: 2), 8, 8, SkiaSharp.SKEncodedImageFormat.Jpeg);
        float[] Load(byte[] bytes, Interpolation interpolation)
        {
            var options = new ImageOptions { Size = 8, Interpolation = interpolation };
            var dst = new float[options.TensorLength];
            ImageLoader.LoadInto(bytes, options, dst);
            return dst;
        }
        var rotated = TestImages.WithExifOrientation(jpeg, 6);
        Assert.Equal(Load(jpeg, Interpolation.PilNearest), Load(rotated, Interpolation.PilNearest));
        Assert.NotEqual(Load(jpeg, Interpolation.Nearest), Load(rotated, Interpolation.Nearest));
    }

    /// <summary>Random pixels blurred a little: photo-like, with values between the extremes so rounding matters.</summary>
    private static byte[] Smooth(int width, int height)
    {
        var noise = TestImages.RandomRgba(width, height, seed: width * 31 + height);
        var rgba = new byte[noise.Length];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 4; c++)
                {
                    int right = Math.Min(x + 1, width - 1), below = Math.Min(y + 1, height - 1);
                    int sum = noise[(y * width + x) * 4 + c] + noise[(y * width + right) * 4 + c] + noise[(below * width + x) * 4 + c];
                    rgba[(y * width + x) * 4 + c] = (byte)(sum / 3);
                }
        return rgba;
    }
}

/// <summary>
/// Pillow's resize written from its documentation and formulas the plain way: every source pixel weighed by the
/// widened kernel in double precision, the weights normalised, each pass rounded half up and clipped to a byte;
/// nearest as floor((o + 0.5) * in / out). No fixed point, no bounds arithmetic, no shared code with the library.
/// </summary>
internal static class NaivePillow
{
    public static byte[] Resize(byte[] rgba, int width, int height, int dstWidth, int dstHeight, Interpolation interpolation)
    {
        var src = new double[height, width, 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 3; c++) src[y, x, c] = rgba[(y * width + x) * 4 + c];
        var tmp = new double[height, dstWidth, 3];
        var h = Weights(interpolation, width, dstWidth);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < dstWidth; x++)
                for (int c = 0; c < 3; c++)
                {
                    double v = 0;
                    for (int i = 0; i < width; i++) v += h[x, i] * src[y, i, c];
                    tmp[y, x, c] = width == dstWidth ? src[y, x, c] : Round(v);
                }
        var v2 = Weights(interpolation, height, dstHeight);
        var rgb = new byte[dstWidth * dstHeight * 3];
        for (int y = 0; y < dstHeight; y++)
            for (int x = 0; x < dstWidth; x++)
                for (int c = 0; c < 3; c++)
                {
                    double v = 0;
                    for (int i = 0; i < height; i++) v += v2[y, i] * tmp[i, x, c];
                    rgb[(y * dstWidth + x) * 3 + c] = (byte)(height == dstHeight ? tmp[y, x, c] : Round(v));
                }
        return rgb;
    }

    private static double Round(double v) => Math.Clamp(Math.Floor(v + 0.5), 0, 255);

    private static double[,] Weights(Interpolation interpolation, int n, int outSize)
    {
        double scale = (double)n / outSize, widen = Math.Max(1, scale);
        var w = new double[outSize, n];
        for (int o = 0; o < outSize; o++)
        {
            double center = (o + 0.5) * scale, sum = 0;
            if (interpolation == Interpolation.PilNearest)
            {
                w[o, Math.Min((int)Math.Floor(center), n - 1)] = 1;
                continue;
            }
            for (int i = 0; i < n; i++) sum += w[o, i] = Kernel(interpolation, (i + 0.5 - center) / widen);
            for (int i = 0; i < n; i++) w[o, i] /= sum;
        }
        return w;
    }

    private static double Kernel(Interpolation interpolation, double x)
    {
        double d = Math.Abs(x);
        switch (interpolation)
        {
            case Interpolation.PilBilinear:
                return Math.Max(0, 1 - d);
            case Interpolation.PilBicubic:
                const double a = -0.5; // Keys' cubic, as Pillow's BICUBIC
                if (d < 1) return (a + 2) * d * d * d - (a + 3) * d * d + 1;
                if (d < 2) return a * d * d * d - 5 * a * d * d + 8 * a * d - 4 * a;
                return 0;
            default: // Lanczos with 3 lobes
                if (d >= 3) return 0;
                if (d == 0) return 1;
                return 3 * Math.Sin(Math.PI * d) * Math.Sin(Math.PI * d / 3) / (Math.PI * Math.PI * d * d);
        }
    }
}
