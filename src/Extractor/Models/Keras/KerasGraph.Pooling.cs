namespace OnnxTransfer.Extractor.Models.Keras;

/// <summary>Pooling layers beyond VGG's 2x2/2.</summary>
internal sealed partial class KerasGraph
{
    /// <summary>MaxPooling2D(pool, strides, padding="valid"): no padding, so a preceding ZeroPadding2D
    /// layer (ResNet's pool1_pad) pads with zeros exactly as Keras does, not with ONNX's -inf.</summary>
    public string MaxPooling2D(string name, string x, int pool, int stride)
    {
        Builder.Node("MaxPool", [x], name, Onnx.Attr.Ints("kernel_shape", pool, pool), Onnx.Attr.Ints("strides", stride, stride));
        Record(name, "MaxPooling2D", 0);
        return name;
    }
}
