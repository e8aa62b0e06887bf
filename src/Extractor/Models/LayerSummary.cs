using OnnxTransfer.Onnx;
using System.Globalization;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Extractor.Models;

/// <summary>One row of a <see cref="LayerSummary"/>: a layer, its output shape per batch of one
/// (Keras NHWC order for 4-D outputs, batch dim first) and its parameter count.</summary>
public sealed record LayerSummaryRow(string Name, string Type, long[] OutputShape, long Params)
{
    /// <summary>The shape as Keras prints it, batch as None: "(None, 112, 112, 64)".</summary>
    public string KerasShape => KerasStyle(OutputShape);

    internal static string KerasStyle(long[] shape)
    {
        var dims = shape.Skip(1).Select(d => d.ToString(CultureInfo.InvariantCulture));
        return $"({string.Join(", ", dims.Prepend("None"))})";
    }
}

/// <summary>What Keras's model.summary() shows: every layer with its output shape and parameters.</summary>
public sealed class LayerSummary
{
    private LayerSummary(string model, int inputSize, IReadOnlyList<LayerSummaryRow> rows, string weightsLabel, bool randomWeights)
    {
        Model = model;
        InputSize = inputSize;
        Rows = rows;
        WeightsLabel = weightsLabel;
        RandomWeights = randomWeights;
    }

    /// <summary>The model's architecture (or graph) name.</summary>
    public string Model { get; }

    /// <summary>The square input size the output shapes were computed for.</summary>
    public int InputSize { get; }

    public IReadOnlyList<LayerSummaryRow> Rows { get; }

    public long TotalParams => Rows.Sum(r => r.Params);

    /// <summary>ModelInfo.WeightsLabel, which flags random weights.</summary>
    public string WeightsLabel { get; }

    public bool RandomWeights { get; }

    /// <summary>
    /// Summarises a model at <paramref name="inputSize"/> (default: ModelInfo.InputSize, or the
    /// model's declared fixed size) by running it once on a zero batch of one with every layer
    /// tensor made an output. Layers are the tagged Keras layers, or one per node for foreign models.
    /// </summary>
    public static LayerSummary Of(OnnxModel model, int? inputSize = null) => Of(model.Proto, inputSize);

    internal static LayerSummary Of(ModelProto model, int? inputSize = null)
    {
        var info = ModelInfo.Read(model);
        int size = inputSize ?? info.InputSize;
        if (size <= 0) throw new OnnxTransferException($"Input size {size} is not valid; use a positive `InputSize`.");
        var layers = ModelLayers.Of(model);
        var probed = OrtProbe.Run(model, layers.Select(l => l.Tensor).ToList(), batch: 1, size);
        var rows = layers.Select(l => new LayerSummaryRow(l.Name, l.Type, KerasOrder(probed[l.Tensor].Shape), l.Params)).ToList();
        return new LayerSummary(ModelLayers.DisplayName(model), size, rows, info.WeightsLabel, info.RandomWeights);
    }

    // Graph tensors are NCHW inside; Keras users read NHWC.
    private static long[] KerasOrder(long[] shape) => shape.Length == 4 ? [shape[0], shape[2], shape[3], shape[1]] : shape;
}
