using OnnxTransfer.Extractor.Runtime;

namespace OnnxTransfer.Inference;

/// <summary>
/// Preallocated buffers that carry one batch of images to class probabilities: through a single
/// exported session, or through the backbone session and then the head session. Not thread-safe;
/// <see cref="Predictor"/> pools one per concurrent caller.
/// </summary>
internal sealed class ClassifierRunner : IDisposable
{
    private readonly BatchRunner _image;
    private readonly BatchRunner? _head;

    public ClassifierRunner(BatchRunner image, BatchRunner? head)
    {
        _image = image;
        _head = head;
    }

    public int BatchSize => _image.BatchSize;

    /// <summary>The first input buffer: images for the next run, HWC RGB 0-255, back to back.</summary>
    public float[] Input => _image.Input;

    /// <summary>Both input buffers: one is decoded into while the other runs.</summary>
    public IReadOnlyList<float[]> Inputs => _image.Inputs;

    /// <summary>Runs the first <paramref name="count"/> images of input buffer <paramref name="buffer"/>; returns count x classes probabilities.</summary>
    public ReadOnlySpan<float> Run(int count, int buffer = 0)
    {
        _image.Run(count, buffer);
        if (_head is null) return _image.Outputs[0].AsSpan(0, count * (_image.Outputs[0].Length / BatchSize));
        // The backbone's NHWC features, flattened row-major, are exactly the head's input rows.
        int width = _head.Input.Length / _head.BatchSize;
        _image.Outputs[0].AsSpan(0, count * width).CopyTo(_head.Input);
        _head.Run(count);
        return _head.Outputs[0].AsSpan(0, count * (_head.Outputs[0].Length / _head.BatchSize));
    }

    public void Dispose()
    {
        _image.Dispose();
        _head?.Dispose();
    }
}
