using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Tests;
using Xunit;
using Xunit.Abstractions;

namespace OnnxTransfer.Extractor.Tests.Imaging;

/// <summary>
/// The Pillow interpolations against the real Pillow (Debian's python3-pil), every pixel: real photos of several sizes
/// and aspect ratios, and files Pillow writes from them (RGBA PNG, grayscale JPEG and PNG, palette PNG, CMYK JPEG).
/// Not a GIF with a transparent entry: Pillow's convert('RGB') shows that entry's palette colour, SkiaSharp decodes it
/// transparent black (measured: 15 to 600 channel values of a 224 x 224 output differ), a difference the README states.
/// </summary>
public sealed class PillowParityTests(ITestOutputHelper output)
{
    private static readonly Interpolation[] Modes =
        [Interpolation.PilNearest, Interpolation.PilBilinear, Interpolation.PilBicubic, Interpolation.PilLanczos];

    [PythonFact("PIL", "python3-pil")]
    public void Every_pil_mode_and_keras_load_img_give_Pillows_bytes()
    {
        using var dir = new TempDir();
        var photos = Photos();
        PythonReference.Run("Pillow", Script, dir.Path, string.Join('\n', photos));
        var files = photos.Concat(Generated.Select(g => dir.File(g))).ToList();
        long compared = 0;
        int differing = 0;
        var failures = new List<string>();
        for (int f = 0; f < files.Count; f++)
            foreach (var (size, resize, mode) in Cases())
            {
                string name = $"{f}_{size}_{OptionNames.Name(resize)}_{mode}.bin";
                var expected = File.ReadAllBytes(dir.File(name));
                var options = new ImageOptions { Size = size, Resize = resize, Interpolation = OptionNames.Parse<Interpolation>(mode) };
                var actual = new float[options.TensorLength];
                ImageLoader.LoadInto(files[f], options, actual);
                int wrong = 0;
                for (int i = 0; i < actual.Length; i++)
                    if (actual[i] != expected[i]) wrong++;
                compared += actual.Length / 3;
                differing += wrong;
                if (wrong > 0) failures.Add($"{Path.GetFileName(files[f])} {name}: {wrong} bytes differ");
            }
        output.WriteLine($"{files.Count} files, {compared:N0} pixels compared, {differing} channel values differ");
        Assert.True(failures.Count == 0, string.Join("; ", failures.Take(10)));
    }

    /// <summary>Output size, crop and mode name: squares smaller and larger than the photos, stretched and centre-cropped.</summary>
    private static IEnumerable<(int Size, ResizeMode Resize, string Mode)> Cases() =>
        from size in new[] { 224, 61, 600 }
        from resize in size == 600 ? [ResizeMode.Stretch] : new[] { ResizeMode.Stretch, ResizeMode.CenterCrop }
        from mode in Modes.Select(m => OptionNames.Name(m)).Append("keras-load-img")
        select (size, resize, mode);

    /// <summary>The first photos of each dataset folder, whatever their size: a mix of portrait, landscape and square.</summary>
    internal static List<string> Photos(int perDataset = 3)
    {
        string? root = SharedData.Root;
        if (root is null) return [];
        return Directory.EnumerateDirectories(Path.Combine(root, "datasets"))
            .SelectMany(d => Directory.EnumerateFiles(d, "*.jp*g", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(perDataset))
            .ToList();
    }

    private static readonly string[] Generated = ["rgba.png", "gray.jpg", "gray.png", "palette.png", "odd.jpg", "cmyk.jpg"];

    // Keras's load_img(path, target_size, interpolation='nearest', keep_aspect_ratio) line for line (keras 2.11
    // utils/image_utils.py); the pil-* modes are Image.open(path).convert('RGB') then crop and resize. When no
    // photo is at hand, a gradient stands in as the source of the generated files.
    private const string Script = """
        import io, sys
        from PIL import Image
        out, paths = sys.argv[1], [p for p in sys.argv[2].split('\n') if p]
        src = Image.open(paths[0]).convert('RGB') if paths else Image.linear_gradient('L').convert('RGB').resize((320, 240))
        w, h = src.size
        rgba = src.copy(); rgba.putalpha(Image.linear_gradient('L').resize((w, h))); rgba.save(out + '/rgba.png')
        src.convert('L').save(out + '/gray.jpg', quality=90); src.convert('L').save(out + '/gray.png')
        src.convert('P', palette=Image.ADAPTIVE).save(out + '/palette.png')
        src.resize((333, 171), Image.BICUBIC).save(out + '/odd.jpg', quality=85)
        src.convert('CMYK').save(out + '/cmyk.jpg', quality=90)
        files = paths + [out + '/' + g for g in ['rgba.png', 'gray.jpg', 'gray.png', 'palette.png', 'odd.jpg', 'cmyk.jpg']]
        filters = {'pil-nearest': Image.NEAREST, 'pil-bilinear': Image.BILINEAR, 'pil-bicubic': Image.BICUBIC, 'pil-lanczos': Image.LANCZOS}

        def crop(img, size):
            width, height = img.size
            crop_height = min(height, (width * size) // size)
            crop_width = min(width, (height * size) // size)
            top, left = (height - crop_height) // 2, (width - crop_width) // 2
            return img.crop((left, top, left + crop_width, top + crop_height))

        def load_img(path, size, keep_aspect_ratio):
            with open(path, 'rb') as f:
                img = Image.open(io.BytesIO(f.read()))
            if img.mode != 'RGB':
                img = img.convert('RGB')
            if img.size != (size, size):
                if keep_aspect_ratio:
                    img = crop(img, size)
                img = img.resize((size, size), Image.NEAREST)
            return img

        for i, path in enumerate(files):
            for size in (224, 61, 600):
                for resize in (['stretch'] if size == 600 else ['stretch', 'center-crop']):
                    for mode in list(filters) + ['keras-load-img']:
                        if mode == 'keras-load-img':
                            img = load_img(path, size, resize == 'center-crop')
                        else:
                            img = Image.open(path).convert('RGB')
                            if resize == 'center-crop':
                                img = crop(img, size)
                            img = img.resize((size, size), filters[mode])
                        with open('%s/%d_%d_%s_%s.bin' % (out, i, size, resize, mode), 'wb') as f:
                            f.write(img.tobytes())
        """;
}
