using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.Inference;
using OnnxTransfer.Onnx;

namespace OnnxTransfer.Examples;

/// <summary>Transfer learning in a dozen lines: CNN features of labelled photos, a head trained on them, a photo classified.</summary>
public static class QuickStart
{
    public static async Task<Prediction> RunAsync(OnnxModel backbone, string photos, string work, string photo)
    {
        var cut = GraphTruncator.Truncate(backbone, ["conv_pw_13_relu"], PoolMode.Avg);
        string features = Path.Combine(work, "features"), run = Path.Combine(work, "run");
        using (var extractor = new FeatureExtractor(cut, new ExtractionOptions { ModelName = "mobilenet" }))
            await extractor.ExtractAsync(photos, features);
        // A linear head on features in memory is solved to the optimum (L-BFGS, scikit-learn's C = 1) by default.
        new Trainer(new TrainerOptions { Head = HeadSpec.Linear }).Train(FeatureSet.Load(features), run);
        using var predictor = Predictor.Open(run);
        return predictor.Predict(photo);
    }
}
