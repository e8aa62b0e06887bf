namespace OnnxTransfer.Extractor.Models;

/// <summary>A built-in architecture and the official Keras weights file it is converted from.</summary>
public sealed record ZooModel(string Name, KerasArch Arch, string FileName, string OfficialUrl, string Md5, long ApproxBytes, double Alpha)
{
    public static IReadOnlyList<ZooModel> All { get; } =
    [
        new("vgg19", KerasArch.Vgg19, "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "253f8cb515780f3b799900260a226db6", 80_134_624, 1.0),
        new("efficientnetb0", KerasArch.EfficientNetB0, "efficientnetb0_notop.h5",
            "https://storage.googleapis.com/keras-applications/efficientnetb0_notop.h5",
            "50bc09e76180e00e4465e1a485ddc09d", 16_705_208, 1.0),
        // Keras publishes no hash for MobileNet v1; this md5 is of the alpha 0.25 file as downloaded.
        new("mobilenet", KerasArch.MobileNet, "mobilenet_2_5_224_tf_no_top.h5",
            "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/mobilenet_2_5_224_tf_no_top.h5",
            "f313cee49f5d33dfb06f2b255c4adb64", 2_108_140, 0.25),
    ];

    /// <summary>The built-in model of this name (case-insensitive), or null.</summary>
    public static ZooModel? Find(string name) => All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    public static ZooModel Get(string name) => Find(name) ?? throw new OnnxTransferException(
        $"'{name}' is not a built-in model; use one of {string.Join(", ", All.Select(m => m.Name))}.");

    /// <summary>Where the weights are fetched from with these options.</summary>
    public string Url(ZooOptions options) =>
        options.WeightsBaseUrl is { } b ? $"{b.TrimEnd('/')}/{FileName}" : OfficialUrl;
}

/// <summary>A row of <see cref="ModelZoo.List"/>.</summary>
public sealed record ZooEntry(string Name, bool Cached, string CachePath, string Url, long Bytes);
