using System.Globalization;
using Google.Protobuf;
using OnnxTransfer.Onnx.Proto;
using DataLocation = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataLocation;

namespace OnnxTransfer.Onnx;

/// <summary>
/// Inlines the tensors a model keeps as external data (data_location EXTERNAL; external_data keys
/// location, offset, length) into raw_data, reading them relative to the model file's folder as the ONNX
/// spec says. Models reach ONNX Runtime as bytes, and ORT would look such files up relative to the
/// process's current directory instead. A location may not leave the model's folder, by ".." or by a
/// symlink: a downloaded model must not make the tool read whatever file it names.
/// </summary>
internal static class ExternalData
{
    // Linux's SYMLOOP_MAX: more links than this on one path is a loop.
    private const int MaxLinks = 40;

    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private sealed record Piece(TensorProto Tensor, string Location, string File, long Offset, long Length);

    public static void Inline(ModelProto model, string modelPath, int maxModelBytes)
    {
        var tensors = Tensors(model).Where(t => t.DataLocation == DataLocation.External).ToList();
        if (tensors.Count == 0) return;
        string folder = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        string realFolder = RealPath(folder) ?? folder;
        var pieces = tensors.Select(t => Locate(t, modelPath, folder, realFolder)).ToList();
        long total = model.CalculateSize() + pieces.Sum(p => p.Length);
        if (total > maxModelBytes)
            throw new OnnxTransferException(
                $"'{modelPath}' holds {total / 1e9:F1} GB with its external data, over protobuf's 2 GB limit for one model, " +
                "so this tool cannot load it; use a smaller model (or its float16 version).");
        foreach (var piece in pieces) Read(piece, modelPath);
    }

    private static Piece Locate(TensorProto tensor, string modelPath, string folder, string realFolder)
    {
        string what = $"Tensor '{tensor.Name}' of '{modelPath}'";
        string? location = null;
        long offset = 0;
        long? length = null;
        foreach (var entry in tensor.ExternalData)
        {
            switch (entry.Key)
            {
                case "location": location = entry.Value; break;
                case "offset": offset = Number(entry, what); break;
                case "length": length = Number(entry, what); break;
            }
        }
        if (string.IsNullOrEmpty(location))
            throw new OnnxTransferException($"{what} is stored as external data but names no location; re-export the model with onnx.");
        if (Path.IsPathRooted(location))
            throw new OnnxTransferException(
                $"{what} keeps its data at the absolute path '{location}'; external data must be a path relative to the model's folder, re-save the model with its data beside it.");
        string? real = RealPath(Path.Combine(folder, location));
        string inside = realFolder.EndsWith(Path.DirectorySeparatorChar) ? realFolder : realFolder + Path.DirectorySeparatorChar;
        if (real is null || !real.StartsWith(inside, PathComparison))
            throw new OnnxTransferException(
                $"{what} keeps its data at '{location}', which leads out of the model's folder {folder}; external data must stay inside that folder (no '..', no links out of it).");
        if (!File.Exists(real))
            throw new OnnxTransferException($"{what} keeps its data in '{location}', which does not exist in {folder}; copy the model's data files beside it.");
        long fileLength = new FileInfo(real).Length;
        long size = length ?? fileLength - offset;
        if (offset > fileLength || size < 0 || size > fileLength - offset)
            throw new OnnxTransferException(
                $"{what} asks for {(length is null ? "the rest" : $"{size} bytes")} from offset {offset} of '{location}', which has {fileLength} bytes; the data file does not belong to this model, re-export it.");
        return new Piece(tensor, location, real, offset, size);
    }

    private static long Number(StringStringEntryProto entry, string what) =>
        long.TryParse(entry.Value, NumberStyles.None, CultureInfo.InvariantCulture, out long n)
            ? n
            : throw new OnnxTransferException($"{what} has external data {entry.Key} '{entry.Value}', which is not a byte count; re-export the model with onnx.");

    private static void Read(Piece piece, string modelPath)
    {
        var bytes = GC.AllocateUninitializedArray<byte>((int)piece.Length);
        try
        {
            using var file = new FileStream(piece.File, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            file.Position = piece.Offset;
            file.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxTransferException($"Cannot read the external data '{piece.Location}' of tensor '{piece.Tensor.Name}' of '{modelPath}': {e.Message}", e);
        }
        // The array is new and never written again, so the ByteString can own it without a copy.
        piece.Tensor.RawData = UnsafeByteOperations.UnsafeWrap(bytes);
        piece.Tensor.ExternalData.Clear();
        piece.Tensor.ClearDataLocation();
    }

    /// <summary>
    /// The absolute path with every symlink followed, one component at a time as the OS does, so that a ".."
    /// after a link climbs from the link's target; null for a link loop.
    /// </summary>
    private static string? RealPath(string path)
    {
        string root = Path.GetPathRoot(path)!;
        var pending = new Stack<string>(Components(path[root.Length..]).Reverse());
        string current = root;
        int links = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            string next = Path.Combine(current, part);
            string? target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }
            if (++links > MaxLinks) return null;
            string targetRoot = Path.GetPathRoot(target) ?? "";
            if (targetRoot.Length > 0) current = targetRoot;
            foreach (var p in Components(target[targetRoot.Length..]).Reverse()) pending.Push(p);
        }
        return current;
    }

    private static string[] Components(string path) =>
        path.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);

    // Every tensor a model can hold: initializers, sparse initializers, and node attributes, in the main
    // graph, in subgraphs (If, Loop, Scan), in functions and in training graphs.
    private static IEnumerable<TensorProto> Tensors(ModelProto model) =>
        InGraph(model.Graph)
            .Concat(model.Functions.SelectMany(f => f.Node).SelectMany(InNode))
            .Concat(model.TrainingInfo.SelectMany(t => new[] { t.Initialization, t.Algorithm }).OfType<GraphProto>().SelectMany(InGraph));

    private static IEnumerable<TensorProto> InGraph(GraphProto graph) =>
        graph.Initializer
            .Concat(graph.SparseInitializer.SelectMany(InSparse))
            .Concat(graph.Node.SelectMany(InNode));

    private static IEnumerable<TensorProto> InNode(NodeProto node) => node.Attribute.SelectMany(InAttribute);

    private static IEnumerable<TensorProto> InAttribute(AttributeProto a) =>
        new[] { a.T }.OfType<TensorProto>()
            .Concat(a.Tensors)
            .Concat(new[] { a.SparseTensor }.OfType<SparseTensorProto>().Concat(a.SparseTensors).SelectMany(InSparse))
            .Concat(new[] { a.G }.OfType<GraphProto>().Concat(a.Graphs).SelectMany(InGraph));

    private static IEnumerable<TensorProto> InSparse(SparseTensorProto sparse) => new[] { sparse.Values, sparse.Indices }.OfType<TensorProto>();
}
