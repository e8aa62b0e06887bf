using System.Globalization;
using OnnxTransfer.Extractor.Augmentation;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Augmentation;

/// <summary>
/// Augmented views: hand-computed cases on tiny images, and random transforms against Keras's own composition
/// (ImageDataGenerator.apply_transform's matrices) run through scipy.ndimage.affine_transform, which Keras calls.
/// </summary>
public class ViewTransformTests
{
    private static readonly ViewTransform Identity = new(0, 0, 0, 1, 1, false);

    /// <summary>An n x n image whose channel ch is 10 * row + column + 100 * ch: bilinear sampling reproduces it exactly inside the image.</summary>
    private static float[] Ramp(int n)
    {
        var image = new float[n * n * 3];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
                for (int ch = 0; ch < 3; ch++) image[(r * n + c) * 3 + ch] = 10 * r + c + 100 * ch;
        return image;
    }

    private static float At(float[] image, int n, int r, int c, int ch = 0) => image[(r * n + c) * 3 + ch];

    private static float[] Apply(ViewTransform t, float[] image, int n, FillMode fill = FillMode.Nearest)
    {
        var output = new float[image.Length];
        t.Apply(image, output, n, fill);
        return output;
    }

    [Fact]
    public void The_identity_leaves_every_pixel_as_it_is() => Assert.Equal(Ramp(5), Apply(Identity, Ramp(5), 5));

    [Fact]
    public void A_flip_reverses_the_columns()
    {
        var output = Apply(Identity with { Flip = true }, Ramp(4), 4);
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++) Assert.Equal(At(Ramp(4), 4, r, 3 - c, 2), At(output, 4, r, c, 2));
    }

    [Fact]
    public void A_shift_of_one_row_samples_the_next_row_and_fills_the_last_from_the_edge()
    {
        // ImageDataGenerator's shift maps an output pixel to the input at (row + tx, column + ty).
        var output = Apply(Identity with { RowShift = 1 }, Ramp(4), 4);
        for (int c = 0; c < 4; c++)
        {
            for (int r = 0; r < 3; r++) Assert.Equal(10 * (r + 1) + c, At(output, 4, r, c));
            Assert.Equal(30 + c, At(output, 4, 3, c)); // nearest: row 3 again
        }
        var black = Apply(Identity with { RowShift = 1 }, Ramp(4), 4, FillMode.Constant);
        Assert.Equal(0, At(black, 4, 3, 1));
        var mirrored = Apply(Identity with { RowShift = 2 }, Ramp(4), 4, FillMode.Reflect);
        Assert.Equal(30 + 1, At(mirrored, 4, 2, 1)); // row 4 is row 3 mirrored
        Assert.Equal(20 + 1, At(mirrored, 4, 3, 1)); // row 5 is row 2
    }

    [Fact]
    public void A_rotation_of_90_degrees_turns_the_image_about_its_centre()
    {
        var output = Apply(Identity with { Degrees = 90 }, Ramp(5), 5);
        for (int r = 0; r < 5; r++)
            for (int c = 0; c < 5; c++) Assert.Equal(At(Ramp(5), 5, 4 - c, r, 1), At(output, 5, r, c, 1), 3);
    }

    [Fact]
    public void A_zoom_of_one_half_magnifies_about_the_centre_with_bilinear_values()
    {
        // Output (r, c) samples the input at ((r - 1.5) / 2 + 1.5, (c - 1.5) / 2 + 1.5), inside the image, where bilinear is exact on the ramp.
        var output = Apply(Identity with { RowZoom = 0.5, ColumnZoom = 0.5 }, Ramp(4), 4);
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++) Assert.Equal(10 * (0.5 * r + 0.75) + (0.5 * c + 0.75), At(output, 4, r, c), 4);
    }

    [Fact]
    public void A_view_depends_only_on_the_seed_the_path_and_the_view_and_stays_in_its_ranges()
    {
        var options = new AugmentationOptions { Views = 8 };
        Assert.Equal(ViewTransform.Draw(options, "a/b.jpg", 3, 224), ViewTransform.Draw(options, "a/b.jpg", 3, 224));
        Assert.NotEqual(ViewTransform.Draw(options, "a/b.jpg", 3, 224), ViewTransform.Draw(options, "a/b.jpg", 4, 224));
        Assert.NotEqual(ViewTransform.Draw(options, "a/b.jpg", 3, 224), ViewTransform.Draw(options, "a/c.jpg", 3, 224));
        Assert.NotEqual(ViewTransform.Draw(options, "a/b.jpg", 3, 224), ViewTransform.Draw(options with { Seed = 1 }, "a/b.jpg", 3, 224));
        var draws = Enumerable.Range(1, 4000).Select(v => ViewTransform.Draw(options, "x.jpg", v, 224)).ToList();
        Assert.All(draws, t =>
        {
            Assert.InRange(t.Degrees, -30, 30);
            Assert.InRange(t.RowShift, -0.3 * 224, 0.3 * 224);
            Assert.InRange(t.ColumnShift, -0.3 * 224, 0.3 * 224);
            Assert.InRange(t.RowZoom, 0.7, 1.3);
            Assert.InRange(t.ColumnZoom, 0.7, 1.3);
        });
        Assert.InRange(draws.Count(t => t.Flip), 1800, 2200); // half, within 6 standard deviations
        Assert.True(draws.Max(t => t.Degrees) > 29 && draws.Min(t => t.Degrees) < -29);
        var none = ViewTransform.Draw(new AugmentationOptions { Views = 1, Flip = false, Zoom = 0, Shift = 0, Rotate = 0 }, "x.jpg", 1, 224);
        Assert.Equal(Identity, none);
    }

    [PythonTheory("scipy.ndimage", "python3-scipy")]
    [InlineData(FillMode.Nearest, "nearest")]
    [InlineData(FillMode.Reflect, "reflect")]
    [InlineData(FillMode.Constant, "constant")]
    public void Random_views_equal_keras_matrices_through_scipy_affine_transform(FillMode fill, string mode)
    {
        const int n = 23; // odd, so the centre is a pixel; small, so the reference is quick
        var rng = new Random(5);
        var image = Enumerable.Range(0, n * n * 3).Select(_ => (float)(rng.NextDouble() * 255)).ToArray();
        var options = new AugmentationOptions { Views = 1 };
        using var dir = new OnnxTransfer.Tests.TempDir();
        File.WriteAllBytes(dir.File("image.bin"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(image.AsSpan()).ToArray());
        var transforms = Enumerable.Range(1, 12).Select(v => ViewTransform.Draw(options, "photo.jpg", v, n)).ToList();
        File.WriteAllLines(dir.File("params.txt"), transforms.Select(t => string.Join(' ',
            new[] { t.Degrees, t.RowShift, t.ColumnShift, t.RowZoom, t.ColumnZoom, t.Flip ? 1 : 0 }.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))));
        PythonReference.Run("scipy", Reference, dir.Path, n.ToString(CultureInfo.InvariantCulture), mode);
        for (int i = 0; i < transforms.Count; i++)
        {
            var expected = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(File.ReadAllBytes(dir.File($"out{i}.bin"))).ToArray();
            var actual = Apply(transforms[i], image, n, fill);
            // float32 output against float64: 255 * 1e-6 relative, plus rounding of the sample position.
            double worst = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(worst < 2e-3, $"view {i} ({transforms[i]}): largest difference {worst}");
        }
    }

    /// <summary>keras.src.legacy.preprocessing.image's apply_affine_transform and transform_matrix_offset_center, then the flip, in float64.</summary>
    private const string Reference = """
        import sys, numpy as np, scipy.ndimage as ndi
        folder, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
        x = np.fromfile(folder + '/image.bin', dtype=np.float32).astype(np.float64).reshape(n, n, 3)
        for i, line in enumerate(open(folder + '/params.txt')):
            theta, tx, ty, zx, zy, flip = [float(v) for v in line.split()]
            t = np.deg2rad(theta)
            rotation = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
            shift = np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
            zoom = np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
            m = np.dot(np.dot(rotation, shift), zoom)
            o_x, o_y = float(n) / 2 - 0.5, float(n) / 2 - 0.5
            offset = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
            reset = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
            m = np.dot(np.dot(offset, m), reset)
            channels = [ndi.affine_transform(x[:, :, c], m[:2, :2], m[:2, 2], order=1, mode=mode, cval=0.0) for c in range(3)]
            y = np.stack(channels, axis=-1)
            if flip: y = y[:, ::-1, :]
            np.ascontiguousarray(y).astype(np.float64).tofile(folder + '/out%d.bin' % i)
        """;
}
