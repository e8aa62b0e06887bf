using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Microsoft.ML.Transforms.Onnx;
using OnnxTransfer.Bench.Peers;

namespace OnnxTransfer.MlNetPeer;

/// <summary>One photo as ML.NET's LoadImages reads it.</summary>
public sealed class Photo
{
    public string ImagePath { get; set; } = "";
}

/// <summary>
/// LoadImages -> ResizeImages -> ExtractPixels -> ApplyOnnxModel, as a user writes it for a model that takes
/// `image` float32 [N,H,W,3], RGB 0-255 (preprocessing inside the graph): ExtractPixels interleaved (HWC) with no
/// offset or scale, and ApplyOnnxModel told the input's full shape, since it refuses an input with more than one
/// unknown dimension ([N,H,W,3] has three) and feeds each row as a batch of one.
/// </summary>
public sealed class ImagePipeline(MLContext ml, string modelFile, string output, int size, int threads)
{
    private const string ImageColumn = "photo", InputColumn = "image";

    /// <summary>
    /// isocrop-rgb: ResizeImages' default (keep the aspect ratio, fill the square, crop the centre) with RGB interleaved,
    /// what the model expects. fill-rgb: stretched to the square as `extract` does by default. isocrop-bgr: channels
    /// reversed (ColorsOrder.ABGR). isocrop-planar: ExtractPixels' default layout (CHW), which the NHWC model misreads.
    /// </summary>
    public static IReadOnlyList<string> Variants { get; } = ["isocrop-rgb", "fill-rgb", "isocrop-bgr", "isocrop-planar"];

    /// <summary>Runs <paramref name="variant"/> over the photos after a warm-up on the first <paramref name="warmup"/>; returns the timing and one feature row per photo.</summary>
    public (MlNetFeaturization Result, float[][] Rows) Featurize(string variant, Photo[] photos, int warmup)
    {
        var data = ml.Data.LoadFromEnumerable(photos);
        var estimator = Estimator(variant);
        // Fit creates the ONNX Runtime session; the extractor's is created before its timed run too.
        using var transformer = estimator.Fit(data);
        _ = transformer.Transform(ml.Data.TakeRows(data, warmup)).GetColumn<float[]>(output).Count();
        var meter = PhaseMeter.Start();
        var rows = transformer.Transform(data).GetColumn<float[]>(output).ToArray();
        return (new MlNetFeaturization(variant, rows.Length, meter.Seconds, meter.CpuSeconds, meter.PeakRssBytes()), rows);
    }

    private EstimatorChain<OnnxTransformer> Estimator(string variant)
    {
        var resize = variant.StartsWith("fill", StringComparison.Ordinal) ? ImageResizingEstimator.ResizingKind.Fill : ImageResizingEstimator.ResizingKind.IsoCrop;
        var order = variant.EndsWith("bgr", StringComparison.Ordinal) ? ImagePixelExtractingEstimator.ColorsOrder.ABGR : ImagePixelExtractingEstimator.ColorsOrder.ARGB;
        bool interleave = !variant.EndsWith("planar", StringComparison.Ordinal);
        return ml.Transforms.LoadImages(ImageColumn, imageFolder: null, inputColumnName: nameof(Photo.ImagePath))
            .Append(ml.Transforms.ResizeImages(ImageColumn, size, size, resizing: resize))
            .Append(ml.Transforms.ExtractPixels(InputColumn, ImageColumn, orderOfExtraction: order, interleavePixelColors: interleave))
            .Append(ml.Transforms.ApplyOnnxModel(new OnnxOptions
            {
                ModelFile = modelFile, InputColumns = [InputColumn], OutputColumns = [output],
                ShapeDictionary = new Dictionary<string, int[]> { [InputColumn] = [1, size, size, 3] },
                IntraOpNumThreads = threads,
            }));
    }
}
