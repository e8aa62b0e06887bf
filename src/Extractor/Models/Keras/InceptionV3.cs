namespace OnnxTransfer.Extractor.Models.Keras;

/// <summary>
/// keras.applications.InceptionV3(include_top=False): conv2d_bn units (Conv2D without bias, BatchNormalization
/// without scale, ReLU) in a 'valid' stem and the branch blocks mixed0 to mixed10. Keras names none of the
/// unit's layers, so they get its automatic names in creation order (conv2d, conv2d_1, ..., batch_normalization,
/// activation, max_pooling2d, average_pooling2d, concatenate), as a model built in a fresh Keras 3 session has.
/// </summary>
internal static class InceptionV3
{
    public static string Build(KerasGraph k, string image)
    {
        var b = k.Builder;
        // "tf" mode, as inception_v3.preprocess_input: x / 127.5 - 1.
        string nchw = b.Node("Transpose", [image], "preprocess/nchw", Onnx.Attr.Ints("perm", 0, 3, 1, 2));
        string scaled = b.Node("Div", [nchw, b.Initializer("preprocess/127.5", [127.5f])], "preprocess/scaled");
        b.Node("Sub", [scaled, b.Initializer("preprocess/one", [1f])], KerasArchitecture.InputLayer);
        k.Record(KerasArchitecture.InputLayer, "InputLayer", 0);

        var n = new Units(k);
        var x = new Tensor(KerasArchitecture.InputLayer, 3);
        x = n.ConvBn(x, 32, 3, 3, stride: 2, same: false);
        x = n.ConvBn(x, 32, 3, 3, same: false);
        x = n.ConvBn(x, 64, 3, 3);
        x = n.MaxPool(x);
        x = n.ConvBn(x, 80, 1, 1, same: false);
        x = n.ConvBn(x, 192, 3, 3, same: false);
        x = n.MaxPool(x);

        x = Mixed35(n, x, poolFilters: 32, "mixed0");
        x = Mixed35(n, x, poolFilters: 64, "mixed1");
        x = Mixed35(n, x, poolFilters: 64, "mixed2");
        x = n.Concat("mixed3",
            n.ConvBn(x, 384, 3, 3, stride: 2, same: false),
            n.ConvBn(n.ConvBn(n.ConvBn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3, stride: 2, same: false),
            n.MaxPool(x));
        x = Mixed17(n, x, 128, "mixed4");
        x = Mixed17(n, x, 160, "mixed5");
        x = Mixed17(n, x, 160, "mixed6");
        x = Mixed17(n, x, 192, "mixed7");
        x = n.Concat("mixed8",
            n.ConvBn(n.ConvBn(x, 192, 1, 1), 320, 3, 3, stride: 2, same: false),
            n.ConvBn(n.ConvBn(n.ConvBn(n.ConvBn(x, 192, 1, 1), 192, 1, 7), 192, 7, 1), 192, 3, 3, stride: 2, same: false),
            n.MaxPool(x));
        x = Mixed8(n, x, 0);
        x = Mixed8(n, x, 1);
        return x.Name;
    }

    // C# evaluates arguments left to right and inner calls first, which is the order keras' source creates
    // the layers in, so the automatic numbers come out the same.
    private static Tensor Mixed35(Units n, Tensor x, int poolFilters, string name) => n.Concat(name,
        n.ConvBn(x, 64, 1, 1),
        n.ConvBn(n.ConvBn(x, 48, 1, 1), 64, 5, 5),
        n.ConvBn(n.ConvBn(n.ConvBn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3),
        n.ConvBn(n.AvgPool(x), poolFilters, 1, 1));

    private static Tensor Mixed17(Units n, Tensor x, int c7, string name) => n.Concat(name,
        n.ConvBn(x, 192, 1, 1),
        n.ConvBn(n.ConvBn(n.ConvBn(x, c7, 1, 1), c7, 1, 7), 192, 7, 1),
        n.ConvBn(n.ConvBn(n.ConvBn(n.ConvBn(n.ConvBn(x, c7, 1, 1), c7, 7, 1), c7, 1, 7), c7, 7, 1), 192, 1, 7),
        n.ConvBn(n.AvgPool(x), 192, 1, 1));

    /// <summary>mixed9 (i = 0) and mixed10 (i = 1), 8 x 8 x 2048 at 299.</summary>
    private static Tensor Mixed8(Units n, Tensor x, int i)
    {
        var branch1x1 = n.ConvBn(x, 320, 1, 1);
        var branch3x3 = n.ConvBn(x, 384, 1, 1);
        branch3x3 = n.Concat($"mixed9_{i}", n.ConvBn(branch3x3, 384, 1, 3), n.ConvBn(branch3x3, 384, 3, 1));
        var branch3x3dbl = n.ConvBn(n.ConvBn(x, 448, 1, 1), 384, 3, 3);
        branch3x3dbl = n.Concat(null, n.ConvBn(branch3x3dbl, 384, 1, 3), n.ConvBn(branch3x3dbl, 384, 3, 1));
        var branchPool = n.ConvBn(n.AvgPool(x), 192, 1, 1);
        return n.Concat($"mixed{9 + i}", branch1x1, branch3x3, branch3x3dbl, branchPool);
    }

    private readonly record struct Tensor(string Name, int Channels);

    /// <summary>The layers the builder creates, named by Keras 3's automatic naming: the first layer of a class is
    /// its snake-case name, later ones get _1, _2, ... (Keras 2.x numbered from _1; see KerasH5Weights).</summary>
    private sealed class Units(KerasGraph k)
    {
        private readonly Dictionary<string, int> _created = new(StringComparer.Ordinal);

        public Tensor ConvBn(Tensor x, int filters, int rows, int cols, int stride = 1, bool same = true)
        {
            string conv = k.Conv2D(Auto("conv2d"), x.Name, x.Channels, filters, (rows, cols), stride, same);
            string bn = k.BatchNormalizationWithoutScale(Auto("batch_normalization"), conv, filters);
            return new(k.ActivationLayer(Auto("activation"), bn, Act.Relu), filters);
        }

        public Tensor MaxPool(Tensor x) => new(k.MaxPooling2D(Auto("max_pooling2d"), x.Name, pool: 3, stride: 2, same: false), x.Channels);

        public Tensor AvgPool(Tensor x) => new(k.AveragePooling2D(Auto("average_pooling2d"), x.Name, pool: 3, stride: 1, same: true), x.Channels);

        public Tensor Concat(string? name, params Tensor[] parts) =>
            new(k.Concatenate(name ?? Auto("concatenate"), parts.Select(p => p.Name)), parts.Sum(p => p.Channels));

        private string Auto(string prefix)
        {
            int count = _created.GetValueOrDefault(prefix);
            _created[prefix] = count + 1;
            return count == 0 ? prefix : $"{prefix}_{count}";
        }
    }
}
