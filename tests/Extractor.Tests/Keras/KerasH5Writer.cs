using PureHDF;

namespace OnnxTransfer.Extractor.Tests.Keras;

/// <summary>
/// Writes random weights in Keras' save_weights .h5 layout (root attributes layer_names, backend,
/// keras_version; a group per layer with attribute weight_names; datasets at &lt;layer&gt;/&lt;layer&gt;/&lt;w&gt;:0)
/// and returns the values written, keyed "layer/weight".
/// </summary>
public static class KerasH5Writer
{
    /// <param name="fixedStrings">Write string lists as fixed-length strings (keras 2.0) instead of variable-length.</param>
    /// <param name="edit">Lets error tests drop a layer (return null) or change its weights before writing.</param>
    /// <param name="kernelGain">Kernels are Gaussian with variance gain / fan-in: 2 (He) by default; 1 (LeCun) keeps the
    /// activations of a deep net from growing layer after layer, where float32 rounding would then dominate a comparison.</param>
    public static Dictionary<string, float[]> Write(string path, IEnumerable<TestLayer> layers, int seed,
        bool fixedStrings = false, Func<TestLayer, TestLayer?>? edit = null, double kernelGain = 2)
    {
        var rng = new Random(seed);
        var values = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var file = new H5File();
        var names = new List<string>();
        foreach (var original in layers)
        {
            var layer = edit is null ? original : edit(original);
            if (layer is null) continue;
            names.Add(layer.Name);
            var inner = new H5Group();
            var weightNames = new List<string>();
            foreach (var (w, shape) in layer.Weights)
            {
                weightNames.Add($"{layer.Name}/{w}:0");
                if (w == "count")
                {
                    inner[$"{w}:0"] = 1000L; // Keras stores the Normalization sample count as an int64 scalar
                    continue;
                }
                var v = Draw(rng, w, shape, kernelGain);
                values[$"{layer.Name}/{w}"] = v;
                inner[$"{w}:0"] = new H5Dataset(v, fileDims: shape.Select(d => (ulong)d).ToArray());
            }
            var group = new H5Group();
            if (weightNames.Count > 0) group[layer.Name] = inner;
            // Keras writes an empty list as an empty float array.
            group.Attributes["weight_names"] = weightNames.Count > 0
                ? weightNames.ToArray()
                : new H5Attribute(Array.Empty<float>(), dimensions: [0]);
            file[layer.Name] = group;
        }
        file.Attributes["layer_names"] = names.ToArray();
        file.Attributes["backend"] = "tensorflow";
        file.Attributes["keras_version"] = "2.13.1";
        file.Write(path, fixedStrings ? new H5WriteOptions(DefaultStringLength: 64) : new H5WriteOptions());
        return values;
    }

    private static float[] Draw(Random rng, string weight, int[] shape, double gain)
    {
        int n = shape.Aggregate(1, (a, d) => a * d);
        var v = new float[n];
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        double Uniform(double lo, double hi) => lo + (hi - lo) * rng.NextDouble();
        for (int i = 0; i < n; i++)
        {
            v[i] = (float)(weight switch
            {
                "kernel" => Gauss() * Math.Sqrt(gain / (n / shape[^1])),
                "depthwise_kernel" => Gauss() * Math.Sqrt(gain / (shape[0] * shape[1])),
                "gamma" or "moving_variance" => Uniform(0.5, 1.5),
                "mean" => Uniform(0.3, 0.6),
                "variance" => Uniform(0.04, 0.3),
                _ => Gauss() * 0.1, // bias, beta, moving_mean
            });
        }
        return v;
    }
}
