using System.Globalization;
using PureHDF;
using PureHDF.VOL.Native;
using OnnxTransfer.IO;

namespace OnnxTransfer.Extractor.Models.Keras;

/// <summary>
/// Reads weights from a Keras .h5 in the save_weights layout: root attribute layer_names, one group
/// per layer with attribute weight_names, each dataset at &lt;layer&gt;/&lt;weight_name&gt;. Files written
/// by model.save keep the same layout under a "model_weights" group, which is accepted too.
/// Weights are found by layer name and by the last part of the weight name ("kernel" in
/// "block1_conv1/kernel:0"), which is stable across Keras versions.
/// </summary>
internal sealed class KerasH5Weights : IKerasWeights, IDisposable
{
    // Layers Keras names automatically: a file saved in a session that already had one is "normalization_1".
    private static readonly HashSet<string> AutoNamed = new(StringComparer.Ordinal) { "normalization" };

    private const string Redownload = "the file is damaged or truncated, download it again";

    private readonly NativeFile _file;
    private readonly IH5Group _root;
    private readonly string _fileName;
    private readonly string _archLabel;
    private readonly List<string> _layerNames;
    private readonly Dictionary<string, List<string>> _weightNames = new(StringComparer.Ordinal);

    private KerasH5Weights(NativeFile file, IH5Group root, string path, string archLabel, List<string> layerNames, string md5)
    {
        _file = file;
        _root = root;
        _fileName = Path.GetFileName(path);
        _archLabel = archLabel;
        _layerNames = layerNames;
        Origin = $"keras:md5={md5}";
    }

    public string Origin { get; }

    public bool IsRandom => false;

    /// <summary>Opens <paramref name="path"/>; <paramref name="archLabel"/> names the architecture in errors.</summary>
    public static KerasH5Weights Open(string path, string archLabel, string downloadHint)
    {
        string name = Path.GetFileName(path);
        if (!File.Exists(path))
            throw new OnnxTransferException($"Keras weights file '{path}' not found; {downloadHint}.");
        CheckHeader(path, name, downloadHint);
        string md5 = Hashing.Md5File(path);
        NativeFile file;
        try
        {
            file = H5File.OpenRead(path);
        }
        catch (Exception e) when (e is not OnnxTransferException)
        {
            throw new OnnxTransferException($"'{name}' could not be read as HDF5 ({e.Message.TrimEnd('.')}); {Redownload}.", e);
        }
        try
        {
            var (root, keras) = Hdf(name, "the root group", () =>
            {
                IH5Group r = !file.AttributeExists("layer_names") && file.LinkExists("model_weights") ? file.Group("model_weights") : file;
                return (r, r.AttributeExists("layer_names"));
            });
            if (!keras)
                throw new OnnxTransferException($"'{name}' has no 'layer_names' attribute, so it is not a Keras .h5 weights file; save it with model.save_weights(...) in Keras' .h5 format.");
            var layers = Hdf(name, "attribute 'layer_names'", () => ReadStrings(root.Attribute("layer_names")));
            return new KerasH5Weights(file, root, path, archLabel, layers, md5);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public float[] Get(string layer, string weight, int[] shape, WeightKind kind)
    {
        string fileLayer = ResolveLayer(layer);
        var names = WeightNames(fileLayer);
        string? full = names.FirstOrDefault(n => ShortName(n) == weight);
        if (full is null)
        {
            string has = names.Count == 0 ? "no weights" : string.Join(", ", names);
            throw new OnnxTransferException($"'{_fileName}' layer '{fileLayer}' has no weight '{weight}' (it has {has}); it does not match {_archLabel}.");
        }
        IH5Dataset ds;
        try
        {
            ds = _root.Group(fileLayer).Dataset(full);
        }
        catch (Exception e)
        {
            throw new OnnxTransferException($"'{_fileName}' lists weight '{full}' in layer '{fileLayer}' but has no dataset '{fileLayer}/{full}'; the file is damaged, download it again.", e);
        }
        var actual = Hdf(_fileName, $"weight '{fileLayer}/{full}'", () => ds.Space.Dimensions.Select(d => (int)d).ToArray());
        if (!actual.SequenceEqual(shape))
        {
            string guess = GuessArchitecture();
            throw new OnnxTransferException(
                $"'{_fileName}' weight '{fileLayer}/{full}' has shape {Shape(actual)}, expected {Shape(shape)} for {_archLabel}; the file looks like {guess}.");
        }
        var type = Hdf(_fileName, $"weight '{fileLayer}/{full}'", () => ds.Type);
        if (type.Class != H5DataTypeClass.FloatingPoint || (type.Size != 4 && type.Size != 8))
            throw new OnnxTransferException($"'{_fileName}' weight '{fileLayer}/{full}' is {type.Class} of {type.Size} bytes, expected float32 or float64.");
        return Hdf(_fileName, $"weight '{fileLayer}/{full}'",
            () => type.Size == 4 ? ds.Read<float[]>() : Array.ConvertAll(ds.Read<double[]>(), d => (float)d));
    }

    public void Dispose() => _file.Dispose();

    private string ResolveLayer(string layer)
    {
        if (_layerNames.Contains(layer)) return layer;
        if (AutoNamed.Contains(layer))
        {
            string? alias = _layerNames.FirstOrDefault(n => n.StartsWith(layer + "_", StringComparison.Ordinal)
                && int.TryParse(n.AsSpan(layer.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _));
            if (alias != null) return alias;
        }
        throw new OnnxTransferException(
            $"'{_fileName}' has no layer '{layer}' needed by {_archLabel}; the file looks like {GuessArchitecture()}. Pass the weights file of {_archLabel}.");
    }

    private List<string> WeightNames(string layer)
    {
        if (_weightNames.TryGetValue(layer, out var cached)) return cached;
        var names = Hdf(_fileName, $"layer '{layer}'", () =>
        {
            var group = _root.Group(layer);
            return group.AttributeExists("weight_names") ? ReadStrings(group.Attribute("weight_names")) : [];
        });
        _weightNames[layer] = names;
        return names;
    }

    /// <summary>"block1_conv1/kernel:0" -> "kernel".</summary>
    private static string ShortName(string weightName)
    {
        string last = weightName[(weightName.LastIndexOf('/') + 1)..];
        int colon = last.IndexOf(':');
        return colon < 0 ? last : last[..colon];
    }

    /// <summary>Keras writes string lists as fixed-length (keras 2.0) or variable-length strings, and an
    /// empty list as an empty float array; all three read as a list here.</summary>
    private static List<string> ReadStrings(IH5Attribute attribute)
    {
        ulong count = attribute.Space.Dimensions.Aggregate(1UL, (a, d) => a * d);
        if (count == 0 || attribute.Type.Class != H5DataTypeClass.String && attribute.Type.Class != H5DataTypeClass.VariableLength)
            return [];
        return attribute.Read<string[]>().Select(s => s.TrimEnd('\0')).ToList();
    }

    private static void CheckHeader(string path, string name, string downloadHint)
    {
        using var fs = File.OpenRead(path);
        if (Hdf5Header.FindSignature(fs) is not long superblock)
            throw new OnnxTransferException($"'{name}' is not an HDF5 file (no HDF5 signature); pass a Keras .h5 weights file ({downloadHint}).");
        if (Hdf5Header.Truncation(fs, superblock) is { } shortfall)
            throw new OnnxTransferException($"'{name}' is truncated: {shortfall}; {downloadHint} again.");
    }

    /// <summary>
    /// Runs a PureHDF read. A damaged file makes PureHDF throw whatever the broken structure leads to
    /// (Exception, EndOfStreamException, an index out of range...), wherever in the file it is.
    /// </summary>
    private static T Hdf<T>(string file, string what, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is not OnnxTransferException)
        {
            throw new OnnxTransferException($"'{file}' could not be read at {what} ({e.Message.TrimEnd('.')}); {Redownload}.", e);
        }
    }

    /// <summary>Names the architecture the file's layer names point to, for error messages.</summary>
    private string GuessArchitecture()
    {
        bool Has(string n) => _layerNames.Contains(n);
        if (Has("block5_conv4")) return "VGG19";
        if (Has("block5_conv3")) return "VGG16";
        if (Has("stem_conv")) return Has("block2c_expand_conv") ? "an EfficientNet larger than B0" : "EfficientNetB0";
        if (Has("conv_dw_1") && Has("conv1"))
        {
            string kernel = WeightNames("conv1").FirstOrDefault(n => ShortName(n) == "kernel") ?? "conv1/kernel:0";
            double alpha = Hdf(_fileName, $"weight 'conv1/{kernel}'", () => _root.Group("conv1").Dataset(kernel).Space.Dimensions[^1]) / 32.0;
            return $"MobileNet alpha {alpha.ToString(CultureInfo.InvariantCulture)}";
        }
        if (Has("expanded_conv_depthwise") || Has("Conv1")) return "MobileNetV2";
        // keras-applications' first ResNet50 file, whose name the current resnet/ file reuses with other layer names.
        if (Has("res2a_branch2a")) return "the old keras-applications ResNet50 (res2a_branch2a names), not keras.applications' resnet/ file";
        if (Has("conv4_block6_out") && !Has("conv4_block7_out")) return Has("post_bn") ? "ResNet50V2" : "ResNet50";
        if (Has("conv2_block1_1_conv")) return "a ResNet/DenseNet";
        if (Has("block1_conv1_bn")) return "Xception";
        return $"an unknown model (first layers: {string.Join(", ", _layerNames.Take(4))})";
    }

    private static string Shape(int[] s) => "(" + string.Join(", ", s) + ")";
}
