using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>
/// What an extraction will hold in memory, estimated before anything large is allocated, so that a batch size or
/// input size the machine cannot hold is refused with the numbers instead of ending in the kernel's OOM killer.
/// The parts: the model's weights per session (counted twice: ONNX Runtime keeps packed copies of convolution
/// weights), two input buffers per session, the output buffers, three Parquet row groups of rows, the decoders'
/// pixel budget and, the largest part at big sizes, the activations: every tensor of the graph is measured once at
/// a small input size and scaled by area, and the peak is the largest sum of one node's inputs and outputs, times
/// the batch. That peak is an estimate (ONNX Runtime plans its own buffers); it errs low for graphs that keep many
/// tensors alive, which is why the check only refuses what clearly does not fit.
/// </summary>
internal sealed record WorkingMemory(long Weights, long Inputs, long Outputs, long RowGroups, long Decoders, long Activations)
{
    /// <summary>The size the activations are measured at, scaled up from there (a small one keeps the measurement cheap).</summary>
    private const int ProbeSize = 64;

    public long Total => Weights + Inputs + Outputs + RowGroups + Decoders + Activations;

    /// <summary>Estimates the run of <paramref name="model"/> (serialized: <paramref name="modelBytes"/>) writing <paramref name="featureOutputs"/>.</summary>
    public static WorkingMemory Estimate(ModelProto model, long modelBytes, int inputSize, int batch, int sessions, IReadOnlyList<string> featureOutputs,
                                         long maxRowGroupBytes)
    {
        var (perImage, rowBytes) = Measure(model, inputSize, featureOutputs);
        return new WorkingMemory(
            Weights: 2 * modelBytes * sessions,
            Inputs: 2L * sessions * batch * inputSize * inputSize * 3 * sizeof(float),
            Outputs: (long)sessions * batch * rowBytes,
            RowGroups: 3 * Math.Max(maxRowGroupBytes, rowBytes),
            Decoders: ImageLoader.PixelBytesInFlight,
            Activations: (long)sessions * batch * perImage);
    }

    /// <summary>Throws when the estimate exceeds <paramref name="available"/>, saying what takes the memory and what would fit.</summary>
    public void Check(long available, int batch, int inputSize, int sessions)
    {
        if (Total <= available) return;
        long perBatchImage = (Inputs + Outputs + Activations) / batch;
        long fixedPart = Total - perBatchImage * batch;
        long fits = perBatchImage > 0 ? (available - fixedPart) / perBatchImage : 0;
        string advice = fits >= 1
            ? $"`BatchSize` {Math.Min(fits, batch - 1)} would fit"
            : $"even `BatchSize` 1 does not fit at `InputSize` {inputSize}; use a smaller `InputSize`{(sessions > 1 ? " or fewer `Sessions`" : "")}";
        throw new OnnxTransferException(
            $"This extraction needs about {Gb(Total)} of memory (activations {Gb(Activations)}, input buffers {Gb(Inputs)} for {sessions} session(s) of " +
            $"`BatchSize` {batch} at `InputSize` {inputSize}, weights {Gb(Weights)}, other {Gb(Outputs + RowGroups + Decoders)}) but {Gb(available)} is available; {advice}.");
    }

    /// <summary>
    /// The largest batch whose memory fits in <paramref name="available"/>, this estimate being for <paramref name="batch"/>;
    /// the activations count only when they live in host memory (not on a GPU).
    /// </summary>
    public long LargestBatch(long available, int batch, bool activationsInHostMemory)
    {
        long perImage = (Inputs + Outputs + (activationsInHostMemory ? Activations : 0)) / batch;
        long fixedPart = Total - (Inputs + Outputs + Activations);
        return perImage > 0 ? (available - fixedPart) / perImage : long.MaxValue;
    }

    private static string Gb(long bytes) => (bytes / 1e9).ToString(bytes < 1e8 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " GB";

    /// <summary>
    /// The peak activation bytes of one image at <paramref name="inputSize"/>, and its feature bytes: measured at
    /// <see cref="ProbeSize"/>, scaled by area.
    /// </summary>
    private static (long Peak, long Features) Measure(ModelProto model, int inputSize, IReadOnlyList<string> featureOutputs)
    {
        var image = model.Graph.Input.First(i => i.Name == ModelInfo.ImageInput);
        var spatial = image.Type.TensorType.Shape?.Dim.Skip(1).Take(2).ToList() ?? [];
        bool fixedSize = spatial.Count == 2 && spatial.All(d => d.HasDimValue);
        // A fixed size other than the run's cannot be fed at all: the session's own check reports that, with ORT's words.
        if (fixedSize && spatial.Any(d => d.DimValue != inputSize)) return (0, 0);
        int probeSize = fixedSize ? inputSize : Math.Min(inputSize, ProbeSize);
        var tensors = model.Graph.Node.SelectMany(n => n.Output).Where(o => o.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        Dictionary<string, ProbedTensor> probed;
        try { probed = OrtProbe.Run(model, tensors, batch: 1, probeSize); }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxTransferException(
                $"The model cannot run at `InputSize` {probeSize} ({e.Message.Split('\n')[0].TrimEnd('.')}); use a larger `InputSize` (the model's own is {ModelInfo.Read(model).InputSize}).", e);
        }
        double scale = fixedSize ? 1 : (double)inputSize * inputSize / (probeSize * probeSize);
        long Bytes(string name) => probed.TryGetValue(name, out var t) ? (long)(t.Shape.Aggregate(1L, (a, b) => a * b) * ElementBytes(t.ElementType) * scale) : 0;
        long imageBytes = (long)inputSize * inputSize * 3 * sizeof(float);
        long peak = 0;
        foreach (var node in model.Graph.Node)
        {
            long live = node.Input.Sum(i => i == ModelInfo.ImageInput ? imageBytes : Bytes(i)) + node.Output.Sum(Bytes);
            peak = Math.Max(peak, live);
        }
        return (peak, featureOutputs.Sum(Bytes));
    }

    private static int ElementBytes(TensorElementType type) => type switch
    {
        TensorElementType.Double or TensorElementType.Int64 or TensorElementType.UInt64 => 8,
        TensorElementType.Float16 or TensorElementType.BFloat16 or TensorElementType.Int16 or TensorElementType.UInt16 => 2,
        TensorElementType.Int8 or TensorElementType.UInt8 or TensorElementType.Bool => 1,
        _ => 4,
    };
}
