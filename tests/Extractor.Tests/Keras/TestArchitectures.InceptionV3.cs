namespace OnnxTransfer.Extractor.Tests.Keras;

/// <summary>
/// The operations of keras.applications.InceptionV3's graph, so that one walk of its topology
/// (<see cref="TestArchitectures.InceptionV3Walk"/>) gives both the layer table (T = channel count) and the
/// reference forward pass (T = <see cref="Nhwc"/>).
/// </summary>
public interface IInceptionOps<T>
{
    /// <summary>conv2d_bn: Conv2D(use_bias=False), BatchNormalization(scale=False), Activation('relu').</summary>
    T ConvBn(T x, int filters, int rows, int cols, int stride, bool same);

    /// <summary>MaxPooling2D((3, 3), strides=(2, 2)), 'valid'.</summary>
    T MaxPool(T x);

    /// <summary>AveragePooling2D((3, 3), strides=(1, 1), padding='same').</summary>
    T AvgPool(T x);

    /// <summary>Concatenate on channels; null name = Keras' automatic "concatenate", "concatenate_1".</summary>
    T Concat(string? name, params T[] parts);
}

/// <summary>Keras' automatic layer names, counted per class in creation order from <paramref name="first"/>:
/// 0 as Keras 3 (conv2d, conv2d_1, ...), 1 as Keras 2.x (conv2d_1, conv2d_2, ...).</summary>
public sealed class KerasAutoNames(int first)
{
    private readonly Dictionary<string, int> _next = [];

    public string Next(string prefix)
    {
        int n = _next.GetValueOrDefault(prefix, first);
        _next[prefix] = n + 1;
        return n == 0 ? prefix : $"{prefix}_{n}";
    }
}

public static partial class TestArchitectures
{
    /// <summary>The official InceptionV3(include_top=False) layers. <paramref name="keras2Names"/>: the names Keras 2.0
    /// gave them in a fresh session (input_1, conv2d_1, ...), as the official notop file was saved.</summary>
    public static List<TestLayer> InceptionV3(bool keras2Names = false)
    {
        var table = new InceptionTable(new KerasAutoNames(keras2Names ? 1 : 0));
        table.Layers.Add(new(keras2Names ? "input_1" : "input_layer", "InputLayer"));
        InceptionV3Walk(table, 3);
        return table.Layers;
    }

    /// <summary>InceptionV3's topology as keras/src/applications/inception_v3.py writes it, layer for layer in its order.</summary>
    public static T InceptionV3Walk<T>(IInceptionOps<T> o, T x)
    {
        T Cb(T t, int filters, int rows, int cols, int stride = 1, bool same = true) => o.ConvBn(t, filters, rows, cols, stride, same);
        x = Cb(x, 32, 3, 3, 2, false);
        x = Cb(x, 32, 3, 3, same: false);
        x = Cb(x, 64, 3, 3);
        x = o.MaxPool(x);
        x = Cb(x, 80, 1, 1, same: false);
        x = Cb(x, 192, 3, 3, same: false);
        x = o.MaxPool(x);

        int[] poolFilters = [32, 64, 64];
        for (int i = 0; i < 3; i++)
        {
            var b1 = Cb(x, 64, 1, 1);
            var b5 = Cb(x, 48, 1, 1);
            b5 = Cb(b5, 64, 5, 5);
            var d = Cb(x, 64, 1, 1);
            d = Cb(d, 96, 3, 3);
            d = Cb(d, 96, 3, 3);
            var p = o.AvgPool(x);
            p = Cb(p, poolFilters[i], 1, 1);
            x = o.Concat($"mixed{i}", b1, b5, d, p);
        }

        var r3 = Cb(x, 384, 3, 3, 2, false);
        var r3d = Cb(x, 64, 1, 1);
        r3d = Cb(r3d, 96, 3, 3);
        r3d = Cb(r3d, 96, 3, 3, 2, false);
        x = o.Concat("mixed3", r3, r3d, o.MaxPool(x));

        int[] c7s = [128, 160, 160, 192];
        for (int i = 0; i < 4; i++)
        {
            int c7 = c7s[i];
            var b1 = Cb(x, 192, 1, 1);
            var b7 = Cb(x, c7, 1, 1);
            b7 = Cb(b7, c7, 1, 7);
            b7 = Cb(b7, 192, 7, 1);
            var d = Cb(x, c7, 1, 1);
            d = Cb(d, c7, 7, 1);
            d = Cb(d, c7, 1, 7);
            d = Cb(d, c7, 7, 1);
            d = Cb(d, 192, 1, 7);
            var p = o.AvgPool(x);
            p = Cb(p, 192, 1, 1);
            x = o.Concat($"mixed{4 + i}", b1, b7, d, p);
        }

        var r8 = Cb(x, 192, 1, 1);
        r8 = Cb(r8, 320, 3, 3, 2, false);
        var r8d = Cb(x, 192, 1, 1);
        r8d = Cb(r8d, 192, 1, 7);
        r8d = Cb(r8d, 192, 7, 1);
        r8d = Cb(r8d, 192, 3, 3, 2, false);
        x = o.Concat("mixed8", r8, r8d, o.MaxPool(x));

        for (int i = 0; i < 2; i++)
        {
            var b1 = Cb(x, 320, 1, 1);
            var b3 = Cb(x, 384, 1, 1);
            var b3a = Cb(b3, 384, 1, 3);
            var b3b = Cb(b3, 384, 3, 1);
            b3 = o.Concat($"mixed9_{i}", b3a, b3b);
            var d = Cb(x, 448, 1, 1);
            d = Cb(d, 384, 3, 3);
            var da = Cb(d, 384, 1, 3);
            var db = Cb(d, 384, 3, 1);
            d = o.Concat(null, da, db);
            var p = o.AvgPool(x);
            p = Cb(p, 192, 1, 1);
            x = o.Concat($"mixed{9 + i}", b1, b3, d, p);
        }
        return x;
    }

    /// <summary>Walks the topology on channel counts, listing each layer with its Keras weights.</summary>
    private sealed class InceptionTable(KerasAutoNames names) : IInceptionOps<int>
    {
        public List<TestLayer> Layers { get; } = [];

        public int ConvBn(int x, int filters, int rows, int cols, int stride, bool same)
        {
            Layers.Add(new(names.Next("conv2d"), "Conv2D", ("kernel", [rows, cols, x, filters])));
            Layers.Add(new(names.Next("batch_normalization"), "BatchNormalization",
                ("beta", [filters]), ("moving_mean", [filters]), ("moving_variance", [filters])));
            Layers.Add(new(names.Next("activation"), "Activation"));
            return filters;
        }

        public int MaxPool(int x)
        {
            Layers.Add(new(names.Next("max_pooling2d"), "MaxPooling2D"));
            return x;
        }

        public int AvgPool(int x)
        {
            Layers.Add(new(names.Next("average_pooling2d"), "AveragePooling2D"));
            return x;
        }

        public int Concat(string? name, params int[] parts)
        {
            Layers.Add(new(name ?? names.Next("concatenate"), "Concatenate"));
            return parts.Sum();
        }
    }
}
