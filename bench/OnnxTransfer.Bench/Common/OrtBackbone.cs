using System.Diagnostics;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Extractor.Runtime;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Bench.Common;

/// <summary>
/// A truncated model run by ONNX Runtime alone, set up as FeatureExtractor sets up its session
/// (SessionFactory with the given settings, the same BatchRunner over the feature outputs) so that
/// its throughput is the ceiling the extraction pipeline is measured against.
/// </summary>
internal sealed class OrtBackbone : IDisposable
{
    private readonly ModelSession _session;

    public OrtBackbone(ModelProto truncated, int batchSize, SessionSettings settings)
    {
        var info = ModelInfo.Read(truncated);
        Image = new ImageOptions { Size = info.InputSize };
        _session = SessionFactory.Create(OnnxModelFile.ToBytes(truncated), settings);
        long[] itemShape = [Image.Size, Image.Size, 3];
        var outputs = info.Features.Select(f => f.Output).ToList();
        var shapes = BatchRunner.ProbeOutputShapes(_session, ModelInfo.ImageInput, itemShape, outputs);
        Runner = new BatchRunner(_session, ModelInfo.ImageInput, itemShape, outputs, shapes, batchSize);
    }

    public BatchRunner Runner { get; }

    public ImageOptions Image { get; }

    /// <summary>Decodes photos (cycling through the set) into every slot of the runner's input.</summary>
    public void FillWith(PhotoSet photos)
    {
        int len = Image.TensorLength;
        for (int i = 0; i < Runner.BatchSize; i++)
            ImageLoader.LoadInto(photos.Paths[i % photos.Paths.Count], Image, Runner.Input.AsSpan(i * len, len));
    }

    /// <summary>Runs <paramref name="images"/> images in full batches and one short last batch, as extraction does; returns seconds.</summary>
    public double Time(int images)
    {
        var clock = Stopwatch.StartNew();
        for (int done = 0; done < images; done += Runner.BatchSize)
            Runner.Run(Math.Min(Runner.BatchSize, images - done));
        return clock.Elapsed.TotalSeconds;
    }

    public void Dispose()
    {
        Runner.Dispose();
        _session.Dispose();
    }
}
