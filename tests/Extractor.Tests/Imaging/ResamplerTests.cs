using OnnxTransfer.Extractor.Imaging;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Imaging;

public class ResamplerTests
{
    /// <summary>An HWC image whose three channels are v, v+100, v+200 for the given single-channel values.</summary>
    private static float[] Rgb(float[,] v)
    {
        int h = v.GetLength(0), w = v.GetLength(1);
        var img = new float[h * w * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++) img[(y * w + x) * 3 + c] = v[y, x] + 100 * c;
        return img;
    }

    private static float[] Resize(float[,] v, int outW, int outH, Interpolation interpolation)
    {
        var dst = new float[outW * outH * 3];
        Resampler.Resize(Rgb(v), v.GetLength(1), v.GetLength(0), dst, outW, outH, interpolation);
        return dst;
    }

    private static void AssertChannels(float[,] expected, float[] actual, float tol = 1e-4f)
    {
        int h = expected.GetLength(0), w = expected.GetLength(1);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    Assert.True(Math.Abs(expected[y, x] + 100 * c - actual[(y * w + x) * 3 + c]) <= tol,
                        $"({y},{x},{c}): expected {expected[y, x] + 100 * c}, got {actual[(y * w + x) * 3 + c]}");
    }

    [Fact]
    public void Area_4x4_to_2x2_is_block_means()
    {
        var src = new float[,] { { 1, 2, 10, 20 }, { 3, 4, 30, 40 }, { 5, 7, 0, 0 }, { 9, 11, 0, 8 } };
        var expected = new float[,] { { 2.5f, 25 }, { 8, 2 } }; // (1+2+3+4)/4, (10+20+30+40)/4, (5+7+9+11)/4, 8/4
        AssertChannels(expected, Resize(src, 2, 2, Interpolation.Area));
    }

    [Fact]
    public void Area_3x1_to_2x1_weighs_partial_pixels()
    {
        // Output 0 covers source [0, 1.5): (1*a + 0.5*b) / 1.5; output 1 covers [1.5, 3): (0.5*b + 1*c) / 1.5.
        var src = new float[,] { { 3, 6, 9 } };
        var expected = new float[,] { { (3 + 3f) / 1.5f, (3 + 9f) / 1.5f } };
        AssertChannels(expected, Resize(src, 2, 1, Interpolation.Area));
    }

    [Fact]
    public void Bilinear_2x2_to_4x4_matches_hand_values()
    {
        // Half-pixel centres: source x = (o + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped to [0, 1].
        var src = new float[,] { { 0, 10 }, { 20, 30 } };
        var expected = new float[,]
        {
            { 0, 2.5f, 7.5f, 10 },
            { 5, 7.5f, 12.5f, 15 },
            { 15, 17.5f, 22.5f, 25 },
            { 20, 22.5f, 27.5f, 30 },
        };
        AssertChannels(expected, Resize(src, 4, 4, Interpolation.Bilinear));
    }

    [Fact]
    public void Bilinear_4x4_to_2x2_samples_between_pixel_pairs()
    {
        // Source x = (o + 0.5) * 2 - 0.5 = 0.5, 2.5: the mean of pixels (0,1) and (2,3) in each direction.
        var src = new float[,] { { 1, 2, 10, 20 }, { 3, 4, 30, 40 }, { 5, 7, 0, 0 }, { 9, 11, 0, 8 } };
        var expected = new float[,] { { 2.5f, 25 }, { 8, 2 } };
        AssertChannels(expected, Resize(src, 2, 2, Interpolation.Bilinear));
    }

    [Fact]
    public void Nearest_picks_floor_of_half_pixel_centres()
    {
        var src = new float[,] { { 1, 2, 10, 20 }, { 3, 4, 30, 40 }, { 5, 7, 0, 0 }, { 9, 11, 0, 8 } };
        // Down: index floor((o + 0.5) * 2) = 1, 3.
        AssertChannels(new float[,] { { 4, 40 }, { 11, 8 } }, Resize(src, 2, 2, Interpolation.Nearest));
        // Up: index floor((o + 0.5) / 2) = 0, 0, 1, 1.
        var small = new float[,] { { 1, 2 }, { 3, 4 } };
        AssertChannels(new float[,] { { 1, 1, 2, 2 }, { 1, 1, 2, 2 }, { 3, 3, 4, 4 }, { 3, 3, 4, 4 } },
            Resize(small, 4, 4, Interpolation.Nearest));
    }

    [Fact]
    public void Center_crop_of_6x4_is_the_middle_4x4()
    {
        Assert.Equal((1, 0, 4, 4), Resampler.CenterCrop(6, 4, 1, 1));
        Assert.Equal((0, 1, 4, 4), Resampler.CenterCrop(4, 6, 224, 224));
        Assert.Equal((1, 0, 5, 4), Resampler.CenterCrop(7, 4, 5, 4)); // offsets round down, as Keras does
        Assert.Equal((0, 0, 5, 5), Resampler.CenterCrop(5, 5, 2, 2));
    }

    public static TheoryData<Interpolation, int, int, int, int> RandomCases => new()
    {
        { Interpolation.Bilinear, 7, 5, 3, 4 },
        { Interpolation.Bilinear, 5, 9, 13, 11 },
        { Interpolation.Bicubic, 7, 5, 3, 4 },
        { Interpolation.Bicubic, 5, 9, 13, 11 },
        { Interpolation.Bicubic, 16, 16, 5, 5 },
        { Interpolation.Area, 17, 11, 5, 3 },
        { Interpolation.Area, 5, 9, 13, 11 },
        { Interpolation.Nearest, 17, 11, 5, 7 },
    };

    /// <summary>Each filter against a direct two-dimensional evaluation of TF's formulas, on random pixels.</summary>
    [Theory]
    [MemberData(nameof(RandomCases))]
    public void Matches_naive_2d_reference(Interpolation interpolation, int inW, int inH, int outW, int outH)
    {
        var rng = new Random(inW * 1000 + outW * 10 + (int)interpolation);
        var src = new float[inH * inW * 3];
        for (int i = 0; i < src.Length; i++) src[i] = (float)(rng.NextDouble() * 255);
        var dst = new float[outH * outW * 3];
        Resampler.Resize(src, inW, inH, dst, outW, outH, interpolation);
        for (int y = 0; y < outH; y++)
            for (int x = 0; x < outW; x++)
                for (int c = 0; c < 3; c++)
                {
                    double expected = Naive(src, inW, inH, outW, outH, x, y, c, interpolation);
                    Assert.True(Math.Abs(expected - dst[(y * outW + x) * 3 + c]) < 1e-3,
                        $"{interpolation} ({y},{x},{c}): expected {expected}, got {dst[(y * outW + x) * 3 + c]}");
                }
    }

    private static double Naive(float[] src, int inW, int inH, int outW, int outH, int ox, int oy, int c, Interpolation interpolation)
    {
        double sx = (double)inW / outW, sy = (double)inH / outH;
        double P(int x, int y) => src[(y * inW + x) * 3 + c];
        switch (interpolation)
        {
            case Interpolation.Nearest:
                return P(Math.Min((int)Math.Floor((ox + 0.5) * sx), inW - 1), Math.Min((int)Math.Floor((oy + 0.5) * sy), inH - 1));
            case Interpolation.Bilinear:
            {
                // TF: lower = max(floor(in), 0), upper = min(ceil(in), n - 1), lerp = in - floor(in).
                double fx = (ox + 0.5) * sx - 0.5, fy = (oy + 0.5) * sy - 0.5;
                int x0 = Math.Max((int)Math.Floor(fx), 0), x1 = Math.Min((int)Math.Ceiling(fx), inW - 1);
                int y0 = Math.Max((int)Math.Floor(fy), 0), y1 = Math.Min((int)Math.Ceiling(fy), inH - 1);
                double lx = fx - Math.Floor(fx), ly = fy - Math.Floor(fy);
                if (fx < 0) lx = 0;
                if (fy < 0) ly = 0;
                double top = P(x0, y0) + (P(x1, y0) - P(x0, y0)) * lx, bottom = P(x0, y1) + (P(x1, y1) - P(x0, y1)) * lx;
                return top + (bottom - top) * ly;
            }
            case Interpolation.Area:
            {
                double sum = 0;
                for (int y = 0; y < inH; y++)
                    for (int x = 0; x < inW; x++)
                    {
                        double ax = Math.Max(0, Math.Min((ox + 1) * sx, x + 1) - Math.Max(ox * sx, x));
                        double ay = Math.Max(0, Math.Min((oy + 1) * sy, y + 1) - Math.Max(oy * sy, y));
                        sum += ax * ay * P(x, y);
                    }
                return sum / (sx * sy);
            }
            default:
            {
                // Keys a = -0.5 over the 4x4 neighbourhood; out-of-image taps dropped, weights renormalised per axis.
                double fx = (ox + 0.5) * sx - 0.5, fy = (oy + 0.5) * sy - 0.5;
                int bx = (int)Math.Floor(fx), by = (int)Math.Floor(fy);
                double sum = 0, wsx = 0, wsy = 0;
                for (int i = -1; i <= 2; i++) if (bx + i >= 0 && bx + i < inW) wsx += Keys(bx + i - fx);
                for (int j = -1; j <= 2; j++) if (by + j >= 0 && by + j < inH) wsy += Keys(by + j - fy);
                for (int j = -1; j <= 2; j++)
                    for (int i = -1; i <= 2; i++)
                    {
                        int x = bx + i, y = by + j;
                        if (x < 0 || x >= inW || y < 0 || y >= inH) continue;
                        sum += Keys(x - fx) * Keys(y - fy) * P(x, y);
                    }
                return sum / (wsx * wsy);
            }
        }
    }

    private static double Keys(double t)
    {
        t = Math.Abs(t);
        return t <= 1 ? 1.5 * t * t * t - 2.5 * t * t + 1 : t < 2 ? -0.5 * t * t * t + 2.5 * t * t - 4 * t + 2 : 0;
    }
}
