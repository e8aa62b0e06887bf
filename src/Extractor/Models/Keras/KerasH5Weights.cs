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
    // Layers Keras names automatically, "prefix", "prefix_1", "prefix_2", ... in creation order. A file may count
    // from elsewhere: Keras 2.x started at "prefix_1" (InceptionV3's official file: conv2d_1, batch_normalization_1),
    // and a session that had built such layers before counts on ("normalization_1"). The builders ask for Keras 3's
    // names, and the file's lowest number of a prefix is taken as the builder's first, as Keras itself loads an
    // .h5 by layer order, not by name.
    private static readonly string[] AutoNamed = ["normalization", "conv2d", "batch_normalization"];

    private const string Redownload = "the file is damaged or truncated, download it again";

    private readonly NativeFile _file;
    private readonly IH5Group _root;
    private readonly string _fileName;
    private readonly string _archLabel;
    private readonly List<string> _layerNames;
    private readonly Dictionary<string, List<string>> _weightNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int?> _firstNumbers = new(StringComparer.Ordinal);

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

    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    /// <summary>
    /// Refuses a file with weights the graph did not ask for: a file of a deeper relative (VGG19 for VGG16,
    /// EfficientNetB1 for B0) has every layer the shallower one needs, with the same shapes, and would otherwise load.
    /// Weightless layers (pooling, global_average_pooling2d_1) are ignored.
    /// </summary>
    public void CheckAllUsed()
    {
        var unused = _layerNames.Where(l => !_used.Contains(l) && WeightNames(l).Count > 0).ToList();
        if (unused.Count > 0)
            throw new OnnxTransferException(
                $"'{_fileName}' has weights for {unused.Count} layer(s) {_archLabel} does not have ({string.Join(", ", unused.Take(4))}{(unused.Count > 4 ? ", ..." : "")}); " +
                $"the file looks like {GuessArchitecture()}: import it with that architecture, or use the notop file of {_archLabel}.");
    }

    public float[] Get(string layer, string weight, int[] shape, WeightKind kind)
    {
        string fileLayer = ResolveLayer(layer);
        _used.Add(fileLayer);
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
        string wanted = AutoNumber(layer) is var (prefix, number) && FirstNumber(prefix) is int first
            ? (first + number == 0 ? prefix : $"{prefix}_{first + number}")
            : layer;
        if (_layerNames.Contains(wanted)) return wanted;
        throw new OnnxTransferException(
            $"'{_fileName}' has no layer '{wanted}' needed by {_archLabel}; the file looks like {GuessArchitecture()}. Pass the weights file of {_archLabel}.");
    }

    /// <summary>"conv2d" -> (conv2d, 0), "conv2d_12" -> (conv2d, 12); null for a name Keras does not number.</summary>
    private static (string Prefix, int Number)? AutoNumber(string name)
    {
        foreach (string prefix in AutoNamed)
        {
            if (name == prefix) return (prefix, 0);
            if (name.Length > prefix.Length + 1 && name.StartsWith(prefix + "_", StringComparison.Ordinal)
                && int.TryParse(name.AsSpan(prefix.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                return (prefix, n);
        }
        return null;
    }

    /// <summary>The lowest number the file gives a layer named <paramref name="prefix"/> (0 for the bare name), if any.</summary>
    private int? FirstNumber(string prefix)
    {
        if (!_firstNumbers.TryGetValue(prefix, out int? first))
            _firstNumbers[prefix] = first = _layerNames.Select(AutoNumber).Where(a => a?.Prefix == prefix).Min(a => a?.Number);
        return first;
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
        if (Has("mixed10")) return "InceptionV3";
        if (Has("block5_conv4")) return "VGG19";
        if (Has("block5_conv3")) return "VGG16";
        if (Has("stem_conv")) return EfficientNetVariant();
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

    /// <summary>EfficientNet B0..B7 from the blocks of stage 7 (1, 2, 2, 2, 2, 3, 3, 4 of them: ceil(depth x 1)) and stage 6 (4, 5, 6, 6, 8, 9, 11, 13).</summary>
    private string EfficientNetVariant()
    {
        int Blocks(int stage) => Enumerable.Range(0, 26).TakeWhile(j => _layerNames.Contains($"block{stage}{(char)('a' + j)}_project_conv")).Count();
        int[] stage6 = [4, 5, 6, 6, 8, 9, 11, 13];
        int variant = Array.IndexOf(stage6, Blocks(6));
        // B2 and B3 both have 6 blocks in stage 6; stage 5 tells them apart (4 and 5).
        if (variant == 2 && Blocks(5) == 5) variant = 3;
        return variant < 0 ? "an EfficientNet" : $"EfficientNetB{variant}";
    }

    private static string Shape(int[] s) => "(" + string.Join(", ", s) + ")";
}
