using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Extractor.Models;

/// <summary>How a foreign model's image input is laid out: channel position, batch and spatial dims.</summary>
internal sealed record ImageLayout(bool ChannelsFirst, object BatchDim, bool FixedSpatial)
{
    public static ImageLayout Of(ValueInfoProto input, string sourceName, int inputSize)
    {
        var dims = input.Type.TensorType.Shape?.Dim.ToList() ?? [];
        if (dims.Count != 4)
            throw new OnnxTransferException($"'{sourceName}' input '{input.Name}' has {dims.Count} dims; only 4-D image inputs (NCHW or NHWC) can be imported.");
        bool IsThree(int i) => dims[i].HasDimValue && dims[i].DimValue == 3;
        bool channelsFirst = IsThree(1);
        if (!channelsFirst && !IsThree(3))
            throw new OnnxTransferException($"'{sourceName}' input '{input.Name}' has no 3-channel dim at position 1 (NCHW) or 3 (NHWC); only RGB image models can be imported.");

        var spatial = channelsFirst ? dims.Skip(2).ToList() : dims.Skip(1).Take(2).ToList();
        var fixedDims = spatial.Where(d => d.HasDimValue).Select(d => d.DimValue).ToList();
        if (fixedDims.Any(d => d != inputSize))
            throw new OnnxTransferException(
                $"'{sourceName}' has a fixed {string.Join("x", spatial.Select(d => d.HasDimValue ? d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?"))} input; " +
                $"use `InputSize` {fixedDims[0]} instead of {inputSize}.");
        object batch = dims[0].HasDimValue ? dims[0].DimValue : "N";
        return new ImageLayout(channelsFirst, batch, fixedDims.Count == 2);
    }
}
