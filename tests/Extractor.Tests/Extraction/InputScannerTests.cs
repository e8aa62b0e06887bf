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
        Assert.All(set.Items, i => Assert.Equal("train", i.Split)); // named train.txt
        Assert.Equal("list file train.txt, split train: 3 images, 2 classes", set.Layout);
    }

    /// <summary>Food-101 as downloaded: meta/{train,test}.txt list "class/id" under images/, without extension or label.</summary>
    [Fact]
    public void Food101_list_files_work_as_they_are()
    {
        using var dir = new TempDir();
        Touch(dir.File("food-101", "images", "apple_pie", "1005649.jpg"));
        Touch(dir.File("food-101", "images", "tacos", "7.jpg"));
        Touch(dir.File("food-101", "images", "tacos", "8.jpg"));
        Directory.CreateDirectory(dir.File("food-101", "meta"));
        File.WriteAllLines(dir.File("food-101", "meta", "classes.txt"), ["apple_pie", "beignets", "tacos"]);
        File.WriteAllLines(dir.File("food-101", "meta", "train.txt"), ["tacos/7", "apple_pie/1005649", "tacos/404"]);
        File.WriteAllLines(dir.File("food-101", "meta", "test.txt"), ["tacos/8"]);

        var train = InputScanner.Scan(dir.File("food-101", "meta", "train.txt"));
        Assert.Equal(dir.File("food-101", "images"), train.Root);
        Assert.Equal(["apple_pie", "beignets", "tacos"], train.Classes); // all of classes.txt, listed or not
        // A listed image that does not exist keeps its listed path (its error will name it).
        Assert.Equal([("apple_pie/1005649.jpg", 0), ("tacos/404", 2), ("tacos/7.jpg", 2)], train.Items.Select(i => (i.RelativePath, i.LabelIndex)));
        Assert.All(train.Items, i => Assert.Equal("train", i.Split));
        Assert.Empty(train.Warnings);
        Assert.Equal("list file train.txt (paths relative to ../images; labels from class folders named in classes.txt), split train: 3 images, 3 classes",
                     train.Layout);

        var test = InputScanner.Scan(dir.File("food-101", "meta", "test.txt"));
        Assert.Equal([("tacos/8.jpg", 2, "test")], test.Items.Select(i => (i.RelativePath, i.LabelIndex, i.Split)));
        Assert.Equal(train.Classes, test.Classes); // same label indices for both lists
    }

    [Fact]
    public void A_classes_file_that_does_not_match_leaves_images_unlabelled_and_says_why()
    {
        using var dir = new TempDir();
        Touch(dir.File("pics", "a", "1.png"));
        Touch(dir.File("pics", "2.png"));
        File.WriteAllLines(dir.File("classes.txt"), ["a"]);
        File.WriteAllLines(dir.File("photos.list"), ["pics/a/1", "pics/2.png"]);
        var set = InputScanner.Scan(dir.File("photos.list"));
        Assert.Equal(dir.Path, set.Root);
        Assert.Equal([("pics/2.png", -1, ""), ("pics/a/1.png", -1, "")], set.Items.Select(i => (i.RelativePath, i.LabelIndex, i.Split)));
        Assert.Contains("classes.txt beside photos.list does not name the folder of 'pics/a/1'", Assert.Single(set.Warnings));
    }

    [Fact]
    public void A_list_whose_first_image_is_missing_says_where_it_looked()
    {
        using var dir = new TempDir();
        Touch(dir.File("photos", "a.jpg"));
        File.WriteAllLines(dir.File("list.txt"), ["a.jpg", "photos/a.jpg"]);
        var set = InputScanner.Scan(dir.File("list.txt"));
        Assert.Equal(2, set.Items.Count); // still listed: each missing file becomes an error of the run
        Assert.Equal($"the first image list.txt lists, 'a.jpg', is not in {dir.Path}: paths in a list file are relative to its folder " +
                     "(or to an 'images' folder beside it, as in Food-101)", Assert.Single(set.Warnings));
    }

    [Fact]
    public void Folder_layouts_are_described()
    {
        using var dir = new TempDir();
        Touch(dir.File("flat", "a.jpg"));
        Touch(dir.File("split", "train", "x", "1.jpg"));
        Touch(dir.File("split", "val", "y", "2.jpg"));
        Assert.Equal("flat folder, unlabelled: 1 image", InputScanner.Scan(dir.File("flat")).Layout);
        Assert.Equal("class folders under split folders (train, val): 2 images, 2 classes", InputScanner.Scan(dir.File("split")).Layout);
        Touch(dir.File("classes", "x", "1.jpg"));
        Touch(dir.File("classes", "x", "2.jpg"));
        Touch(dir.File("classes", "y", "3.jpg"));
        Assert.Equal("class folders: 3 images, 2 classes", InputScanner.Scan(dir.File("classes")).Layout);
    }

    [Fact]
    public void Missing_input_and_empty_folder_are_user_errors()
    {
        using var dir = new TempDir();
        Assert.Contains("does not exist", Assert.Throws<OnnxTransferException>(() => InputScanner.Scan(dir.File("nope"))).Message);
        Assert.Contains("No images", Assert.Throws<OnnxTransferException>(() => InputScanner.Scan(dir.Path)).Message);
    }
}
