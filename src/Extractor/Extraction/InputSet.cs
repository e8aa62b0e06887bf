using OnnxTransfer.Features;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>One input image: its path relative to the input root ('/'-separated), label and split.</summary>
public sealed record InputItem(string RelativePath, string FullPath, string Label, int LabelIndex, string Split)
{
    /// <summary>The identity columns of its row.</summary>
    internal RowKey Key { get; } = new(RelativePath, Label, LabelIndex, Split);
}

/// <summary>
/// The images to extract, in the order rows are written (sorted by relative path, ordinal),
/// with the sorted class names (a label's index is its position here).
/// </summary>
public sealed class InputSet
{
    public required string Root { get; init; }
    public required IReadOnlyList<InputItem> Items { get; init; }
    public required IReadOnlyList<string> Classes { get; init; }

    /// <summary>What the input was taken for, in one line, e.g. "class folders: 397 images, 2 classes".</summary>
    public required string Layout { get; init; }

    /// <summary>Things worth telling the user that do not stop the run (e.g. an empty class folder).</summary>
    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>Folders that could not be listed (path relative to <see cref="Root"/>, reason); they go to errors.tsv beside unreadable images.</summary>
    public IReadOnlyList<(string Path, string Reason)> Unreadable { get; init; } = [];
}
