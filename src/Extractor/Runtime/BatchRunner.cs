using Microsoft.ML.OnnxRuntime;

namespace OnnxTransfer.Extractor.Runtime;

/// <summary>
/// Runs one float input through a session in fixed-size batches with no per-batch allocation of
/// tensors: the inputs and every output live in pinned arrays allocated once, wrapped by OrtValues
/// created once for the full batch size (a short last batch gets views over the same arrays). With
/// several input buffers, a caller fills one while another runs, and nothing is copied between them.
/// </summary>
internal sealed class BatchRunner : IDisposable
{
    private readonly ModelSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly long[] _imageShape;
    private readonly long[][] _outputShapes;
    private readonly OrtValue[] _fullInputs;
    private readonly OrtValue[] _fullOutputs;
    private readonly RunOptions _runOptions = new();

    /// <param name="session">The session.</param>
    /// <param name="inputName">The float input, shaped [N, ..imageShape].</param>
    /// <param name="imageShape">One item's input shape, e.g. [224, 224, 3].</param>
    /// <param name="outputNames">The float outputs to fetch.</param>
    /// <param name="outputShapes">One item's shape for each output.</param>
    /// <param name="batchSize">Items per run.</param>
    /// <param name="inputBuffers">Input arrays to allocate (<see cref="Inputs"/>); default 1.</param>
    public BatchRunner(ModelSession session, string inputName, long[] imageShape, IReadOnlyList<string> outputNames,
                       IReadOnlyList<long[]> outputShapes, int batchSize, int inputBuffers = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputBuffers, 1);
        _session = session;
        _inputNames = [inputName];
        _outputNames = [.. outputNames];
        _imageShape = imageShape;
        _outputShapes = [.. outputShapes];
        BatchSize = batchSize;
        // Pinned so the OrtValues can point at them for the runner's lifetime, and so a CUDA copy can DMA from them.
        Inputs = Enumerable.Range(0, inputBuffers)
            .Select(_ => GC.AllocateArray<float>(checked((int)(batchSize * Product(imageShape))), pinned: true)).ToArray();
        Outputs = _outputShapes.Select(s => GC.AllocateArray<float>(checked((int)(batchSize * Product(s))), pinned: true)).ToArray();
        _fullInputs = Inputs.Select(i => View(i, batchSize, imageShape)).ToArray();
        _fullOutputs = Outputs.Select((o, i) => View(o, batchSize, _outputShapes[i])).ToArray();
    }

    public int BatchSize { get; }

    /// <summary>The input buffers: write up to BatchSize items into one, back to back, then <see cref="Run"/> it.</summary>
    public IReadOnlyList<float[]> Inputs { get; }

    /// <summary>The first input buffer, the one <see cref="Run"/> reads by default.</summary>
    public float[] Input => Inputs[0];

    /// <summary>After <see cref="Run"/>, each output's first count items, back to back.</summary>
    public float[][] Outputs { get; }

    /// <summary>Makes the run in progress, and every later one, stop with an OperationCanceledException (from any thread).</summary>
    public void Terminate() => _runOptions.Terminate = true;

    /// <summary>Lets runs go ahead again after <see cref="Terminate"/>.</summary>
    public void ClearTerminate() => _runOptions.Terminate = false;

    /// <summary>Runs the first <paramref name="count"/> items of input buffer <paramref name="buffer"/>.</summary>
    /// <exception cref="OnnxTransferException">ONNX Runtime cannot run the model on this input (ORT's reason inside).</exception>
    public void Run(int count, int buffer = 0)
    {
        if (count < 1 || count > BatchSize) throw new ArgumentOutOfRangeException(nameof(count));
        if ((uint)buffer >= (uint)Inputs.Count) throw new ArgumentOutOfRangeException(nameof(buffer));
        if (count == BatchSize)
        {
            RunValues(_fullInputs[buffer], _fullOutputs);
            return;
        }
        using var input = View(Inputs[buffer], count, _imageShape);
        var outputs = Outputs.Select((o, i) => View(o, count, _outputShapes[i])).ToArray();
        try { RunValues(input, outputs); }
        finally { foreach (var o in outputs) o.Dispose(); }
    }

    private void RunValues(OrtValue input, OrtValue[] outputs)
    {
        try
        {
            RunOnDevice(input, outputs);
        }
        catch (OnnxRuntimeException e) when (_runOptions.Terminate)
        {
            // Asked for (Terminate): a stop, not a failure of the model.
            throw new OperationCanceledException("the ONNX Runtime run was terminated", e);
        }
        catch (OnnxRuntimeException e)
        {
            throw OrtErrors.CannotRun(OrtErrors.NameOf(_session.Session), e);
        }
    }

    private void RunOnDevice(OrtValue input, OrtValue[] outputs)
    {
#if ORT_GPU
        if (_session.Device.Kind == DeviceKind.Cuda)
        {
            // IO binding: ORT copies the pinned input to the GPU and the outputs back into our arrays,
            // without the per-run name lookups and output allocations of a plain Run.
            using var binding = _session.Session.CreateIoBinding();
            binding.BindInput(_inputNames[0], input);
            for (int i = 0; i < outputs.Length; i++) binding.BindOutput(_outputNames[i], outputs[i]);
            _session.Session.RunWithBinding(_runOptions, binding);
            binding.SynchronizeBoundOutputs();
            return;
        }
#endif
        _session.Session.Run(_runOptions, _inputNames, [input], _outputNames, outputs);
    }

    private static OrtValue View(float[] buffer, int count, long[] itemShape) =>
        OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            buffer.AsMemory(0, checked((int)(count * Product(itemShape)))), [count, .. itemShape]);

    /// <summary>
    /// Per-item output shapes for a given per-item input shape, found by one run on a zero item:
    /// feature sizes depend on the input size, so the graph is asked rather than its declared dims.
    /// </summary>
    /// <exception cref="OnnxTransferException">ONNX Runtime cannot run the model on such an item (ORT's reason inside).</exception>
    public static long[][] ProbeOutputShapes(ModelSession session, string inputName, long[] itemShape, IReadOnlyList<string> outputNames)
    {
        var zeros = new float[Product(itemShape)];
        using var value = OrtValue.CreateTensorValueFromMemory(zeros, [1, .. itemShape]);
        using var runOptions = new RunOptions();
        try
        {
            using var results = session.Session.Run(runOptions, [inputName], [value], [.. outputNames]);
            return results.Select(r => r.GetTensorTypeAndShape().Shape.Skip(1).ToArray()).ToArray();
        }
        catch (OnnxRuntimeException e)
        {
            throw OrtErrors.CannotRun(OrtErrors.NameOf(session.Session), e);
        }
    }

    /// <summary>Element count of a shape.</summary>
    public static long Product(long[] shape) => shape.Aggregate(1L, (a, b) => a * b);

    public void Dispose()
    {
        foreach (var i in _fullInputs) i.Dispose();
        foreach (var o in _fullOutputs) o.Dispose();
        _runOptions.Dispose();
    }
}
