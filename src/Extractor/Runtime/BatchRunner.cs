using Microsoft.ML.OnnxRuntime;

namespace OnnxTransfer.Extractor.Runtime;

/// <summary>
/// Runs one float input through a session in fixed-size batches with no per-batch allocation of
/// tensors: the inputs and every output live in pinned arrays allocated once, wrapped by OrtValues
/// created once for the full batch size (a short last batch gets views over the same arrays). With
/// several input buffers, a caller fills one while another runs, and nothing is copied between them.
/// On CUDA the runs go through one IO binding (<see cref="UsesIoBinding"/>): the outputs stay bound to the pinned
/// output arrays, so ORT copies each result back once, straight into them, and the input is bound anew for each run.
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
    private readonly OrtIoBinding? _binding;
    // The item count the binding's outputs are bound at, and the short-batch views bound (null at the full count).
    private int _boundCount;
    private OrtValue[]? _boundShortOutputs;

    /// <param name="session">The session.</param>
    /// <param name="inputName">The float input, shaped [N, ..imageShape].</param>
    /// <param name="imageShape">One item's input shape, e.g. [224, 224, 3].</param>
    /// <param name="outputNames">The float outputs to fetch.</param>
    /// <param name="outputShapes">One item's shape for each output.</param>
    /// <param name="batchSize">Items per run.</param>
    /// <param name="inputBuffers">Input arrays to allocate (<see cref="Inputs"/>); default 1.</param>
    /// <param name="ioBinding">Run through an IO binding; default null: on CUDA only (<see cref="UsesIoBinding"/>).</param>
    public BatchRunner(ModelSession session, string inputName, long[] imageShape, IReadOnlyList<string> outputNames,
                       IReadOnlyList<long[]> outputShapes, int batchSize, int inputBuffers = 1, bool? ioBinding = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputBuffers, 1);
        _session = session;
        _inputNames = [inputName];
        _outputNames = [.. outputNames];
        _imageShape = imageShape;
        _outputShapes = [.. outputShapes];
        BatchSize = batchSize;
        // Pinned so the OrtValues can point at them for the runner's lifetime. Pinned for the GC only, not page-locked:
        // CUDA copies them through the driver's staging buffer (ORT's CudaPinned allocator would spare that copy).
        Inputs = Enumerable.Range(0, inputBuffers)
            .Select(_ => GC.AllocateArray<float>(checked((int)(batchSize * Product(imageShape))), pinned: true)).ToArray();
        Outputs = _outputShapes.Select(s => GC.AllocateArray<float>(checked((int)(batchSize * Product(s))), pinned: true)).ToArray();
        _fullInputs = Inputs.Select(i => View(i, batchSize, imageShape)).ToArray();
        _fullOutputs = Outputs.Select((o, i) => View(o, batchSize, _outputShapes[i])).ToArray();
        if (ioBinding ?? UsesIoBinding(session.Device))
        {
            _binding = session.Session.CreateIoBinding();
            BindOutputs(batchSize);
        }
    }

    /// <summary>
    /// Whether runs on <paramref name="device"/> go through an IO binding: on CUDA, where a plain Run would look up
    /// names and allocate device outputs each time. On CPU a plain Run reads and writes the arrays in place already.
    /// </summary>
    public static bool UsesIoBinding(DeviceSpec device) => device.Kind == DeviceKind.Cuda;

    /// <summary>How many times the outputs were bound: once at creation, then once per change of item count.</summary>
    internal int OutputBindings { get; private set; }

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
        using var shortInput = count == BatchSize ? null : View(Inputs[buffer], count, _imageShape);
        var input = shortInput ?? _fullInputs[buffer];
        try
        {
            if (_binding is not null) RunBound(input, count);
            else if (shortInput is null) _session.Session.Run(_runOptions, _inputNames, [input], _outputNames, _fullOutputs);
            else
            {
                var outputs = Outputs.Select((o, i) => View(o, count, _outputShapes[i])).ToArray();
                try { _session.Session.Run(_runOptions, _inputNames, [input], _outputNames, outputs); }
                finally { foreach (var o in outputs) o.Dispose(); }
            }
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

    private void RunBound(OrtValue input, int count)
    {
        var binding = _binding!;
        // The input is bound again for every run: binding is where ORT copies a host input to the device (IOBinding's
        // BindInput), so a binding kept from an earlier run would feed the GPU that run's pixels.
        binding.BindInput(_inputNames[0], input);
        if (count != _boundCount) BindOutputs(count);
        _session.Session.RunWithBinding(_runOptions, binding);
        binding.SynchronizeBoundOutputs();
    }

    /// <summary>Binds the outputs at <paramref name="count"/> items: the full-batch values, or views for a short batch.</summary>
    private void BindOutputs(int count)
    {
        var binding = _binding!;
        if (_boundShortOutputs is { } previous) foreach (var o in previous) o.Dispose();
        _boundShortOutputs = count == BatchSize ? null : Outputs.Select((o, i) => View(o, count, _outputShapes[i])).ToArray();
        var values = _boundShortOutputs ?? _fullOutputs;
        binding.ClearBoundOutputs();
        for (int i = 0; i < values.Length; i++) binding.BindOutput(_outputNames[i], values[i]);
        _boundCount = count;
        OutputBindings++;
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
        _binding?.Dispose();
        foreach (var o in _boundShortOutputs ?? []) o.Dispose();
        foreach (var i in _fullInputs) i.Dispose();
        foreach (var o in _fullOutputs) o.Dispose();
        _runOptions.Dispose();
    }
}
