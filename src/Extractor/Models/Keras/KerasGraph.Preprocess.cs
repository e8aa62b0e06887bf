namespace OnnxTransfer.Extractor.Models.Keras;

/// <summary>
/// keras.applications' preprocess_input modes, baked in before the model input "input_layer" (NCHW),
/// for architectures whose Keras model expects preprocessed pixels. Shared so every architecture of a
/// mode computes the same float32 arithmetic in the same order.
/// </summary>
internal sealed partial class KerasGraph
{
    // Caffe-mode mean in BGR order, subtracted after swapping RGB to BGR.
    private static readonly float[] CaffeMeanBgr = [103.939f, 116.779f, 123.68f];

    /// <summary>"caffe": RGB -> BGR, then minus the ImageNet BGR mean (VGG19, ResNet50).</summary>
    public string CaffeInputLayer(string image)
    {
        string nchw = Builder.Node("Transpose", [image], "preprocess/nchw", Onnx.Attr.Ints("perm", 0, 3, 1, 2));
        string order = Builder.InitializerInt64("preprocess/bgr_order", [2, 1, 0], 3);
        string bgr = Builder.Node("Gather", [nchw, order], "preprocess/bgr", Onnx.Attr.Int("axis", 1));
        string mean = Builder.Initializer("preprocess/mean_bgr", CaffeMeanBgr, 1, 3, 1, 1);
        string x = Builder.Node("Sub", [bgr, mean], KerasArchitecture.InputLayer);
        Record(KerasArchitecture.InputLayer, "InputLayer", 0);
        return x;
    }

    /// <summary>"tf": x / 127.5 - 1 (MobileNet, MobileNetV2).</summary>
    public string TfInputLayer(string image)
    {
        string nchw = Builder.Node("Transpose", [image], "preprocess/nchw", Onnx.Attr.Ints("perm", 0, 3, 1, 2));
        string scaled = Builder.Node("Div", [nchw, Builder.Initializer("preprocess/127.5", [127.5f])], "preprocess/scaled");
        string x = Builder.Node("Sub", [scaled, Builder.Initializer("preprocess/one", [1f])], KerasArchitecture.InputLayer);
        Record(KerasArchitecture.InputLayer, "InputLayer", 0);
        return x;
    }
}
