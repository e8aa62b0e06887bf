using System.Globalization;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Tests;
using Xunit;
using Xunit.Abstractions;

namespace OnnxTransfer.Extractor.Tests.Imaging;

/// <summary>
/// --resize short-side against the real torchvision (Debian's python3-torchvision 0.14 on Pillow 9.4): its eval
/// transform Resize(floor(size / crop_pct)) + CenterCrop(size) on PIL images, every byte, and its size and offset
/// arithmetic over a grid that hits every rounding case (odd margins, where Python's round goes to even).
/// </summary>
public sealed class TorchvisionParityTests(ITestOutputHelper output)
{
    private static readonly (double Fraction, Interpolation Mode, string Torch)[] Recipes =
    [
        (0.875, Interpolation.PilBilinear, "BILINEAR"), // torchvision's Resize(256) + CenterCrop(224)
        (0.9, Interpolation.PilBicubic, "BICUBIC"),     // timm's eval transform at crop_pct 0.9
        (1.0, Interpolation.PilBilinear, "BILINEAR"),   // no margin on the shorter side
    ];

    private static readonly int[] Sizes = [224, 61];

    [PythonFact("torchvision", "python3-torchvision")]
    public void Short_side_gives_torchvisions_bytes()
    {
        using var dir = new TempDir();
        var photos = PillowParityTests.Photos(perDataset: 2);
        PythonReference.Run("torchvision", PixelScript, dir.Path, string.Join('\n', photos));
        var files = photos.Concat(OddSizes.Select(s => dir.File($"odd_{s.W}x{s.H}.png"))).ToList();
        var failures = new List<string>();
        long compared = 0;
        for (int f = 0; f < files.Count; f++)
            for (int r = 0; r < Recipes.Length; r++)
                foreach (int size in Sizes)
                {
                    var expected = File.ReadAllBytes(dir.File($"{f}_{r}_{size}.bin"));
                    var options = new ImageOptions { Size = size, Resize = ResizeMode.ShortSide, Interpolation = Recipes[r].Mode, CropFraction = Recipes[r].Fraction };
                    var actual = new float[options.TensorLength];
                    ImageLoader.LoadInto(files[f], options, actual);
                    int wrong = actual.Where((v, i) => v != expected[i]).Count();
                    compared += actual.Length;
                    if (wrong > 0) failures.Add($"{Path.GetFileName(files[f])} recipe {r} size {size}: {wrong} bytes differ");
                }
        output.WriteLine($"{files.Count} files x {Recipes.Length * Sizes.Length} recipes, {compared:N0} channel values compared, {failures.Count} cases differ");
        Assert.True(files.Count > OddSizes.Length, "no photo of ../shared/datasets was compared");
        Assert.True(failures.Count == 0, string.Join("; ", failures.Take(10)));
    }

    [PythonFact("torchvision", "python3-torchvision")]
    public void Short_side_sizes_and_offsets_are_torchvisions()
    {
        using var dir = new TempDir();
        PythonReference.Run("torchvision", GridScript, dir.File("grid.txt"));
        int rows = 0;
        foreach (string line in File.ReadLines(dir.File("grid.txt")))
        {
            var v = line.Split(' ');
            int w = int.Parse(v[0], CultureInfo.InvariantCulture), h = int.Parse(v[1], CultureInfo.InvariantCulture), size = int.Parse(v[2], CultureInfo.InvariantCulture);
            double fraction = double.Parse(v[3], CultureInfo.InvariantCulture);
            var expected = new ShortSideCrop(int.Parse(v[4], CultureInfo.InvariantCulture), int.Parse(v[5], CultureInfo.InvariantCulture),
                                             int.Parse(v[6], CultureInfo.InvariantCulture), int.Parse(v[7], CultureInfo.InvariantCulture));
            Assert.True(expected == ShortSideCrop.Of(w, h, size, fraction), $"{line}: ours {ShortSideCrop.Of(w, h, size, fraction)}");
            rows++;
        }
        output.WriteLine($"{rows:N0} sizes compared");
        Assert.True(rows > 1000);
    }

    [Fact]
    public void A_strip_whose_resize_would_pass_the_pixel_limit_is_refused_in_one_line()
    {
        // 2,000 x 1: the shorter side to 256 makes the longer 512,000 (131 M pixels), past the 100 M limit of a decoded image.
        var strip = TestImages.Encode(TestImages.RandomRgba(2000, 1, 3), 2000, 1, SkiaSharp.SKEncodedImageFormat.Png);
        var options = new ImageOptions { Resize = ResizeMode.ShortSide, Interpolation = Interpolation.PilBilinear };
        var e = Assert.Throws<ImageLoadException>(() => ImageLoader.LoadInto(strip, options, new float[options.TensorLength]));
        Assert.Equal("a 2000x1 image resized to a shorter side of 256 would have 131,072,000 pixels, more than the limit of 100,000,000", e.Message);
        Assert.Equal(new ShortSideCrop(512_000, 256, 255_888, 16), ShortSideCrop.Of(2000, 1, 224, 0.875, long.MaxValue)); // the size it refused
    }

    [Fact]
    public void Short_side_needs_a_pillow_filter_and_a_fraction_in_range()
    {
        var tf = Assert.Throws<OnnxTransferException>(() => ImageLoader.LoadInto(Jpeg, new ImageOptions { Resize = ResizeMode.ShortSide }, new float[224 * 224 * 3]));
        Assert.Contains("use pil-bilinear (torchvision's default) or pil-bicubic (timm's)", tf.Message);
        var range = Assert.Throws<OnnxTransferException>(() =>
            ImageLoader.LoadInto(Jpeg, new ImageOptions { Resize = ResizeMode.ShortSide, Interpolation = Interpolation.PilBilinear, CropFraction = 1.2 }, new float[224 * 224 * 3]));
        Assert.Contains("`CropFraction` 1.2 must be in (0, 1]", range.Message);
    }

    private static byte[] Jpeg => TestImages.Encode(TestImages.RandomRgba(40, 30, 1), 40, 30, SkiaSharp.SKEncodedImageFormat.Jpeg);

    /// <summary>Sizes whose margins are odd after the resize on one axis or both (a half offset), portrait and landscape.</summary>
    private static readonly (int W, int H)[] OddSizes = [(300, 451), (451, 300), (257, 257), (999, 260), (225, 1000)];

    private static string Join<T>(IEnumerable<T> values) => string.Join(", ", values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)));

    private static string PixelScript => $$"""
        import math, sys
        from PIL import Image
        import torchvision.transforms as T
        out, paths = sys.argv[1], [p for p in sys.argv[2].split('\n') if p]
        src = Image.open(paths[0]).convert('RGB') if paths else Image.linear_gradient('L').convert('RGB')
        for w, h in [{{string.Join(", ", OddSizes.Select(s => $"({s.W}, {s.H})"))}}]:
            name = '%s/odd_%dx%d.png' % (out, w, h)
            src.resize((w, h), Image.BICUBIC).save(name)
            paths.append(name)
        recipes = [{{string.Join(", ", Recipes.Select(r => FormattableString.Invariant($"({r.Fraction}, T.InterpolationMode.{r.Torch})")))}}]
        for i, path in enumerate(paths):
            for r, (fraction, mode) in enumerate(recipes):
                for size in [{{Join(Sizes)}}]:
                    eval_transform = T.Compose([T.Resize(math.floor(size / fraction), interpolation=mode), T.CenterCrop(size)])
                    img = eval_transform(Image.open(path).convert('RGB'))
                    with open('%s/%d_%d_%d.bin' % (out, i, r, size), 'wb') as f:
                        f.write(img.tobytes())
        """;

    // torchvision's own functions: the resized size, and the crop's offset read back from a tensor of indices.
    private const string GridScript = """
        import math, sys, torch
        import torchvision.transforms.functional as F
        lines = []
        for size, fraction in [(224, 0.875), (61, 0.9), (33, 1.0), (299, 0.95)]:
            side = math.floor(size / fraction)
            for w in list(range(side, side + 40)) + [side * 3 + 1, 1000, 4032]:
                for h in list(range(side, side + 40, 3)) + [3024, 4033]:
                    nh, nw = F._compute_resized_output_size((h, w), [side])
                    grid = torch.arange(nh * nw).reshape(1, nh, nw)
                    corner = int(F.center_crop(grid, [size, size])[0, 0, 0])
                    lines.append('%d %d %d %r %d %d %d %d' % (w, h, size, fraction, nw, nh, corner % nw, corner // nw))
        open(sys.argv[1], 'w').write('\n'.join(lines) + '\n')
        """;
}
