using Microsoft.ML.OnnxRuntime;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Models;

/// <summary>Models whose tensors live in external data files: read from beside the model, never from outside its folder.</summary>
public sealed class ExternalDataTests : IDisposable
{
    private const string Tensor = "dense/kernel";
    private readonly TempDir _dir = new();

    public ExternalDataTests() => Directory.CreateDirectory(ModelFolder);

    public void Dispose() => _dir.Dispose();

    // The model sits one level down, so that a path out of its folder can still land inside the test's folder.
    private string ModelFolder => _dir.File("model");

    private string ModelPath => _dir.File("model", "tiny.onnx");

    /// <summary>Saves TinyNets.ConvNet with <see cref="Tensor"/>'s bytes moved to <paramref name="dataFile"/>
    /// after <paramref name="padding"/> bytes, referenced as <paramref name="location"/>.</summary>
    private void Save(string location, string? dataFile = null, long padding = 100, long? offset = null, long? length = null)
    {
        var model = TinyNets.ConvNet();
        var tensor = model.Graph.Initializer.Single(t => t.Name == Tensor);
        byte[] data = tensor.RawData.ToByteArray();
        string file = dataFile ?? Path.Combine(ModelFolder, location);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllBytes(file, [.. new byte[padding], .. data]);
        tensor.ClearRawData();
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = (offset ?? padding).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = (length ?? data.Length).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        OnnxModelFile.Save(model, ModelPath);
    }

    private string Fails()
    {
        var e = Assert.Throws<OnnxTransferException>(() => ModelZoo.Load(ModelPath).Proto);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains($"Tensor '{Tensor}' of '{ModelPath}'", e.Message);
        return e.Message;
    }

    [Fact]
    public void Data_beside_the_model_is_inlined_and_runs_whatever_the_current_directory()
    {
        Save("weights/tiny.bin");
        Assert.NotEqual(ModelFolder, Directory.GetCurrentDirectory());
        // As the file's bytes, ORT looks the data up relative to the current directory, and fails.
        var asStored = OnnxModelFile.Parse(File.ReadAllBytes(ModelPath), ModelPath);
        Assert.Throws<OnnxRuntimeException>(() => new InferenceSession(OnnxModelFile.ToBytes(asStored)).Dispose());

        var loaded = ModelZoo.Load(ModelPath).Proto;

        var original = TinyNets.ConvNet();
        Assert.Equal(OnnxModelFile.ToBytes(original), OnnxModelFile.ToBytes(loaded));
        float[] pixels = TinyNets.Pixels(seed: 2, 2 * TinyNets.Size * TinyNets.Size * 3);
        long[] shape = [2, TinyNets.Size, TinyNets.Size, 3];
        Assert.Equal(TinyNets.Run(original, ModelInfo.ImageInput, pixels, shape, "dense")["dense"].Data,
                     TinyNets.Run(loaded, ModelInfo.ImageInput, pixels, shape, "dense")["dense"].Data);
    }

    [Fact]
    public void A_link_that_stays_in_the_models_folder_is_followed()
    {
        Save("link.bin", dataFile: Path.Combine(ModelFolder, "data", "real.bin"));
        File.CreateSymbolicLink(Path.Combine(ModelFolder, "link.bin"), Path.Combine("data", "real.bin"));

        Assert.Equal(OnnxModelFile.ToBytes(TinyNets.ConvNet()), OnnxModelFile.ToBytes(ModelZoo.Load(ModelPath).Proto));
    }

    [Fact]
    public void An_absolute_location_is_refused()
    {
        string outside = _dir.File("outside.bin");
        Save(outside, dataFile: outside);
        Assert.Contains($"keeps its data at the absolute path '{outside}'", Fails());
    }

    [Fact]
    public void A_location_up_out_of_the_folder_is_refused()
    {
        Save("../outside.bin");
        Assert.Contains($"keeps its data at '../outside.bin', which leads out of the model's folder {ModelFolder}", Fails());
    }

    [Fact]
    public void A_file_link_out_of_the_folder_is_refused()
    {
        string outside = _dir.File("outside.bin");
        Save("innocent.bin", dataFile: outside);
        File.CreateSymbolicLink(Path.Combine(ModelFolder, "innocent.bin"), outside);
        Assert.Contains("'innocent.bin', which leads out of the model's folder", Fails());
    }

    [Fact]
    public void A_folder_link_out_of_the_folder_is_refused()
    {
        // "sub/.." is the model's folder when read as text, but the folder holding sub's target on disk.
        Directory.CreateDirectory(_dir.File("elsewhere", "deeper"));
        Save("sub/../outside.bin", dataFile: _dir.File("elsewhere", "outside.bin"));
        Directory.CreateSymbolicLink(Path.Combine(ModelFolder, "sub"), _dir.File("elsewhere", "deeper"));
        Assert.Contains("'sub/../outside.bin', which leads out of the model's folder", Fails());
    }

    [Fact]
    public void A_missing_data_file_is_named()
    {
        Save("weights.bin");
        File.Delete(Path.Combine(ModelFolder, "weights.bin"));
        Assert.Contains($"keeps its data in 'weights.bin', which does not exist in {ModelFolder}", Fails());
    }

    [Theory]
    [InlineData(100_000L, null, "asks for 1920 bytes from offset 100000")]
    [InlineData(100L, 100_000L, "asks for 100000 bytes from offset 100")]
    public void An_offset_or_length_beyond_the_file_is_refused(long offset, long? length, string expected)
    {
        Save("weights.bin", offset: offset, length: length);
        string message = Fails();
        Assert.Contains(expected, message);
        Assert.Contains("'weights.bin', which has 2020 bytes", message);
    }

    [Fact]
    public void Data_that_would_make_the_model_over2_gb_is_refused_before_reading_it()
    {
        Save("huge.bin");
        // Sparse: no disk space is used, and nothing may read it.
        using (var huge = File.OpenWrite(Path.Combine(ModelFolder, "huge.bin"))) huge.SetLength(2_500_000_000);
        var model = OnnxModelFile.Parse(File.ReadAllBytes(ModelPath), ModelPath);
        var tensor = model.Graph.Initializer.Single(t => t.Name == Tensor);
        tensor.ExternalData.Remove(tensor.ExternalData.Single(e => e.Key == "length"));
        OnnxModelFile.Save(model, ModelPath);

        var e = Assert.Throws<OnnxTransferException>(() => ModelZoo.Load(ModelPath).Proto);
        Assert.Contains($"'{ModelPath}' holds 2.5 GB with its external data, over protobuf's 2 GB limit", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
