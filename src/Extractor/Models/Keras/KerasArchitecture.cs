using System.Globalization;

namespace OnnxTransfer.Extractor.Models.Keras;

/// <summary>The per-architecture facts the importer needs besides the layer graph itself.</summary>
internal static class KerasArchitecture
{
    /// <summary>Keras 3 names the model input "input_layer"; its tensor here is the model input in NCHW
    /// (after the preprocessing baked into the graph for VGG19 and MobileNet).</summary>
    public const string InputLayer = "input_layer";

    public static string Id(KerasArch arch) => arch switch
    {
        KerasArch.Vgg19 => "vgg19",
        KerasArch.Vgg16 => "vgg16",
        _ when EfficientNet.Is(arch) => $"efficientnetb{EfficientNet.Variant(arch)}",
        KerasArch.MobileNet => "mobilenet",
        KerasArch.InceptionV3 => "inceptionv3",
        KerasArch.ResNet50 => "resnet50",
        KerasArch.MobileNetV2 => "mobilenetv2",
        _ => throw new ArgumentOutOfRangeException(nameof(arch), arch, null),
    };

    /// <summary>The input size keras.applications builds the architecture for.</summary>
    public static int DefaultInputSize(KerasArch arch) => arch switch
    {
        KerasArch.Vgg19 or KerasArch.Vgg16 or KerasArch.MobileNet or KerasArch.ResNet50 or KerasArch.MobileNetV2 => 224,
        _ when EfficientNet.Is(arch) => EfficientNet.DefaultInputSize(arch),
        KerasArch.InceptionV3 => 299,
        _ => throw new ArgumentOutOfRangeException(nameof(arch), arch, null),
    };

    /// <summary>The min_size keras.applications passes to obtain_input_shape: InceptionV3's 'valid' stem and
    /// stride-2 reductions need 75 pixels to leave a 1x1 mixed10.</summary>
    public static int MinimumInputSize(KerasArch arch) => arch == KerasArch.InceptionV3 ? 75 : 32;

    public static string Preprocess(KerasArch arch) => arch switch
    {
        KerasArch.Vgg19 or KerasArch.Vgg16 or KerasArch.ResNet50 => "caffe",
        _ when EfficientNet.Is(arch) => "efficientnet",
        KerasArch.MobileNet or KerasArch.InceptionV3 or KerasArch.MobileNetV2 => "tf",
        _ => throw new ArgumentOutOfRangeException(nameof(arch), arch, null),
    };

    /// <summary>"vgg19", "mobilenet alpha 0.25": how errors name what was asked for.</summary>
    public static string Label(KerasArch arch, KerasImportOptions o) =>
        HasAlpha(arch) ? $"{Id(arch)} alpha {Format(o.Alpha)}" : Id(arch);

    /// <summary>The architectures with a width multiplier (<see cref="KerasImportOptions.Alpha"/>).</summary>
    public static bool HasAlpha(KerasArch arch) => arch is KerasArch.MobileNet or KerasArch.MobileNetV2;

    public static string DownloadHint(KerasArch arch, KerasImportOptions o) => arch switch
    {
        KerasArch.Vgg19 => "download https://storage.googleapis.com/tensorflow/keras-applications/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
        KerasArch.Vgg16 => "download https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
        _ when EfficientNet.Is(arch) => $"download https://storage.googleapis.com/keras-applications/{Id(arch)}_notop.h5",
        KerasArch.MobileNet => "download https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/mobilenet_"
            + AlphaText(o.Alpha) + "_224_tf_no_top.h5",
        KerasArch.InceptionV3 => "download https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
        KerasArch.ResNet50 => "download https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
        KerasArch.MobileNetV2 => "download https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
            + MobileNetV2FileName(o.Alpha, o.InputSize ?? DefaultInputSize(arch)),
        _ => throw new ArgumentOutOfRangeException(nameof(arch), arch, null),
    };

    /// <summary>Checks the options before any work; user mistakes become OnnxTransferException.</summary>
    public static void Validate(KerasArch arch, KerasImportOptions o)
    {
        if (!Enum.IsDefined(arch))
            throw new OnnxTransferException($"Keras architecture {(int)arch} is unknown; use {string.Join(", ", Enum.GetValues<KerasArch>().Select(Id))}.");
        if (arch == KerasArch.MobileNet && !MobileNet.Alphas.Contains(o.Alpha))
            throw new OnnxTransferException($"MobileNet alpha {Format(o.Alpha)} is not supported; use 0.25, 0.5, 0.75 or 1.0 (the alphas Keras publishes weights for).");
        if (arch == KerasArch.MobileNetV2 && !MobileNetV2.Alphas.Contains(o.Alpha))
            throw new OnnxTransferException($"MobileNetV2 alpha {Format(o.Alpha)} is not supported; use 0.35, 0.5, 0.75, 1.0, 1.3 or 1.4 (the alphas Keras publishes weights for).");
        if (o.InputSize < MinimumInputSize(arch))
            throw new OnnxTransferException($"Input size {o.InputSize} is too small; Keras' {Id(arch)} needs at least {MinimumInputSize(arch)} pixels (default {DefaultInputSize(arch)}).");
    }

    // Keras' file naming: 1_0, 7_5, 5_0, 2_5.
    private static string AlphaText(double alpha) => alpha switch
    {
        1.0 => "1_0",
        0.75 => "7_5",
        0.5 => "5_0",
        _ => "2_5",
    };

    /// <summary>keras.applications' MobileNetV2 notop file name: Python's float(alpha) ("1.0", "0.35") and the rows,
    /// which are 224 unless the input size is one Keras publishes weights for.</summary>
    public static string MobileNetV2FileName(double alpha, int inputSize) =>
        "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_" + alpha.ToString("0.0#", CultureInfo.InvariantCulture) + "_"
        + (MobileNetV2.WeightSizes.Contains(inputSize) ? inputSize : 224).ToString(CultureInfo.InvariantCulture) + "_no_top.h5";

    private static string Format(double v) => v.ToString(CultureInfo.InvariantCulture);
}
