using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Inference;

namespace OnnxTransfer.Bench.Peers;

/// <summary>
/// `image-tensors CLASSIFIER.onnx IMAGES OUT`: decodes IMAGES exactly as the classifier (exported with `--input fixed`) expects
/// (its recorded input size, resize and interpolation) into OUT.bin (float32 [N,S,S,3], little-endian)
/// OUT.paths.txt (one path per row, relative to IMAGES) and OUT.classes.json (the class names in output order). A peer runtime fed these tensors sees the
/// same pixels as this tool, so any difference in its predictions is the runtime's, not the decoder's.
/// </summary>
public static class ImageTensors
{
    public static int Run(string[] args)
    {
        if (args.Length < 3) throw new OnnxTransferException("usage: image-tensors CLASSIFIER.onnx IMAGES OUT");
        ImageOptions image;
        using (var predictor = Predictor.FromExportedModel(args[0]))
        {
            image = predictor.Image;
            File.WriteAllText(args[2] + ".classes.json", System.Text.Json.JsonSerializer.Serialize(predictor.Classes));
        }
        var items = InputScanner.Scan(args[1]).Items;
        var pixels = new float[image.TensorLength];
        using var bin = new BinaryWriter(File.Create(args[2] + ".bin"));
        using var paths = new StreamWriter(args[2] + ".paths.txt");
        int written = 0;
        foreach (var item in items)
        {
            try { ImageLoader.LoadInto(item.FullPath, image, pixels); }
            catch (ImageLoadException e)
            {
                Console.Error.WriteLine($"skipped {item.RelativePath}: {e.Message}");
                continue;
            }
            foreach (float v in pixels) bin.Write(v);
            paths.WriteLine(item.RelativePath);
            written++;
        }
        Console.WriteLine($"wrote {written} images of {image.Size}x{image.Size}x3 to {args[2]}.bin");
        return 0;
    }
}
