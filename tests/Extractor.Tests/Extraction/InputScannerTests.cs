using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Extraction;

public class InputScannerTests
{
    private static void Touch(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [1]);
    }

    [Fact]
    public void Class_folders_without_splits_are_labelled_in_sorted_order()
    {
        using var dir = new TempDir();
        Touch(dir.File("zebra", "b.jpg"));
        Touch(dir.File("zebra", "a.JPEG"));
        Touch(dir.File("cat", "nested", "x.png"));
        Touch(dir.File("cat", "notes.txt"));
        Touch(dir.File("cat", ".hidden.jpg"));
        Touch(dir.File("stray.jpg"));
        var set = InputScanner.Scan(dir.Path);
        Assert.Equal(["cat", "zebra"], set.Classes);
        Assert.Equal(["cat/nested/x.png", "zebra/a.JPEG", "zebra/b.jpg"], set.Items.Select(i => i.RelativePath));
        Assert.Equal([0, 1, 1], set.Items.Select(i => i.LabelIndex));
        Assert.All(set.Items, i => Assert.Equal("", i.Split));
        Assert.Contains(set.Warnings, w => w.Contains("ignored"));
    }

    [Fact]
    public void Split_folders_give_split_names_and_shared_classes()
    {
        using var dir = new TempDir();
        Touch(dir.File("train", "ants", "1.jpg"));
        Touch(dir.File("validation", "bees", "2.jpg"));
        Touch(dir.File("test", "ants", "3.jpg"));
        Directory.CreateDirectory(dir.File("test", "bees"));
        var set = InputScanner.Scan(dir.Path);
        Assert.Equal(["ants", "bees"], set.Classes);
        Assert.Equal([("test", 0), ("train", 0), ("val", 1)], set.Items.Select(i => (i.Split, i.LabelIndex)));
        Assert.Contains(set.Warnings, w => w.Contains("test/bees") && w.Contains("no images"));
    }

    [Fact]
    public void Flat_folder_is_unlabelled()
    {
        using var dir = new TempDir();
        Touch(dir.File("b.webp"));
        Touch(dir.File("a.gif"));
        Touch(dir.File("c.bmp"));
        var set = InputScanner.Scan(dir.Path);
        Assert.Empty(set.Classes);
        Assert.Equal(["a.gif", "b.webp", "c.bmp"], set.Items.Select(i => i.RelativePath));
        Assert.All(set.Items, i => Assert.Equal(("", -1), (i.Label, i.LabelIndex)));
    }

    [Fact]
    public void List_file_paths_are_relative_to_its_folder()
    {
        using var dir = new TempDir();
        Touch(dir.File("images", "apple_pie", "1.jpg"));
        Touch(dir.File("images", "tacos", "2.jpg"));
        Directory.CreateDirectory(dir.File("meta"));
        File.WriteAllLines(dir.File("meta", "train.txt"),
            ["# comment", "../images/tacos/2.jpg,tacos", "", "../images/apple_pie/1.jpg, apple_pie", "../images/none.jpg"]);
        var set = InputScanner.Scan(dir.File("meta", "train.txt"));
        Assert.Equal(["apple_pie", "tacos"], set.Classes);
        Assert.Equal(["../images/apple_pie/1.jpg", "../images/none.jpg", "../images/tacos/2.jpg"], set.Items.Select(i => i.RelativePath));
        Assert.Equal([0, -1, 1], set.Items.Select(i => i.LabelIndex));
        Assert.Equal(dir.File("images", "tacos", "2.jpg"), set.Items[2].FullPath);
    }

    [Fact]
    public void Missing_input_and_empty_folder_are_user_errors()
    {
        using var dir = new TempDir();
        Assert.Contains("does not exist", Assert.Throws<OnnxTransferException>(() => InputScanner.Scan(dir.File("nope"))).Message);
        Assert.Contains("No images", Assert.Throws<OnnxTransferException>(() => InputScanner.Scan(dir.Path)).Message);
    }
}
