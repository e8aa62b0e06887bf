using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.HeadTrainer.Export;
using OnnxTransfer.IO;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Inference;

/// <summary>
/// A training run directory as <c>onnx-transfer train</c> leaves it: head.onnx, head.json and a copy of
/// the backbone.onnx the features came from. Loading checks that backbone against the hash the
/// features recorded, so a head is never chained to a backbone or preprocessing it was not trained on.
/// </summary>
public sealed class RunDirectory
{
    private readonly ModelProto _head;

    private RunDirectory(string path, HeadSidecar sidecar, ModelProto head)
    {
        Path = path;
        Sidecar = sidecar;
        _head = head;
    }

    public string Path { get; }

    public HeadSidecar Sidecar { get; }

    /// <summary>How images were decoded and resized for the training features; prediction must match.</summary>
    public ImageOptions Image => ImageSettings.Create(Sidecar.Source.InputSize, Sidecar.Source.Resize, Sidecar.Source.Interpolation, Sidecar.Source.CropFraction);

    /// <summary>Opens a run, checking that its head.json and head.onnx agree (<see cref="RunCheck"/>).</summary>
    public static RunDirectory Open(string path)
    {
        if (!Directory.Exists(path))
            throw new OnnxTransferException($"Run directory '{path}' does not exist; pass the output folder of a training run.");
        var sidecar = HeadSidecar.Load(path);
        var head = OnnxModelFile.Load(Required(path, RunFiles.HeadModel));
        RunCheck.Check(path, sidecar, head);
        return new RunDirectory(path, sidecar, head);
    }

    /// <summary>The head (read and checked when the run was opened).</summary>
    internal ModelProto LoadHead() => _head;

    /// <summary>
    /// The backbone: the run's own copy, or <paramref name="overridePath"/>, which must be byte-identical
    /// (same SHA-256) to the one that produced the training features.
    /// </summary>
    internal ModelProto LoadBackbone(string? overridePath = null)
    {
        string path = overridePath ?? Required(Path, RunFiles.Backbone);
        if (!File.Exists(path))
            throw new OnnxTransferException(
                $"Backbone '{path}' does not exist; pass the backbone.onnx of the training run or of its features folder, or leave out `BackbonePath` to use the run's own copy.");
        var source = Sidecar.Source;
        string sha = Hashing.Sha256File(path);
        if (source.ModelSha256.Length > 0 && sha != source.ModelSha256)
            throw new OnnxTransferException(
                $"Backbone '{path}' (sha256 {sha[..12]}...) is not the one this head was trained on " +
                $"('{source.Model}', sha256 {source.ModelSha256[..Math.Min(12, source.ModelSha256.Length)]}...); " +
                $"use the backbone.onnx from the training run or its features folder ({source.Directory}).");
        var model = OnnxModelFile.Load(path);
        string preprocess = ModelInfo.Read(model).Preprocess;
        if (source.Preprocess.Length > 0 && preprocess != source.Preprocess)
            throw new OnnxTransferException(
                $"Backbone '{path}' preprocesses with '{preprocess}' but the head was trained on '{source.Preprocess}' features; use the training backbone.");
        return model;
    }

    private static string Required(string run, string file)
    {
        string path = System.IO.Path.Combine(run, file);
        if (!File.Exists(path))
            throw new OnnxTransferException($"Run directory '{run}' has no {file}; re-run onnx-transfer train into it.");
        return path;
    }
}
