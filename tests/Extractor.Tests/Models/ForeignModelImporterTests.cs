using OnnxTransfer.Extractor.Models;
using OnnxTransfer.IO;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using OnnxTransfer.Tests;
using SkiaSharp;
using Xunit;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Extractor.Tests.Models;

public class ForeignModelImporterTests
{
    private const int S = 8;

    // A foreign "model" whose output is its input: the wrapped graph's output is exactly the preprocessing.
    private static ModelProto Passthrough(DataType type, object batch, bool nchw = true, string input = "data")
    {
        var g = new GraphBuilder("passthrough");
        object[] dims = nchw ? [batch, 3L, (long)S, (long)S] : [batch, (long)S, (long)S, 3L];
        g.Input(input, type, dims);
        g.Node("Identity", [input], "out");
        g.Output("out", type, dims);
        return g.ToModel();
    }

    private static float[] NaivePreprocess(float[] nhwc, int n, ImagePreprocess mode)
    {
        float[] mean = [103.939f, 116.779f, 123.68f], tm = [0.485f, 0.456f, 0.406f], ts = [0.229f, 0.224f, 0.225f];
        var nchw = new float[nhwc.Length];
        for (int b = 0; b < n; b++) for (int c = 0; c < 3; c++) for (int i = 0; i < S * S; i++)
        {
            int bgr = 2 - c;
            float v = mode switch
            {
                ImagePreprocess.Caffe => nhwc[(b * S * S + i) * 3 + bgr] - mean[c],
                ImagePreprocess.Tf => nhwc[(b * S * S + i) * 3 + c] / 127.5f - 1f,
                ImagePreprocess.Torch => (nhwc[(b * S * S + i) * 3 + c] / 255f - tm[c]) / ts[c],
                ImagePreprocess.Bgr255 => nhwc[(b * S * S + i) * 3 + bgr],
                _ => nhwc[(b * S * S + i) * 3 + c],
            };
            nchw[(b * 3 + c) * S * S + i] = v;
        }
        return nchw;
    }

    [Theory]
    [InlineData(ImagePreprocess.Caffe)]
    [InlineData(ImagePreprocess.Tf)]
    [InlineData(ImagePreprocess.Torch)]
    [InlineData(ImagePreprocess.Bgr255)]
    [InlineData(ImagePreprocess.None)]
    public void In_graph_preprocessing_matches_the_naive_formula(ImagePreprocess mode)
    {
        var wrapped = ForeignModelImporter.Wrap(Passthrough(DataType.Float, "batch"), "test", "passthrough.onnx",
            new ForeignImportOptions { Preprocess = mode, InputSize = S });
        var pixels = TinyNets.Pixels(3, 2 * S * S * 3);
        var got = TinyNets.Run(wrapped, "image", pixels, [2, S, S, 3], "out")["out"];
        var expected = NaivePreprocess(pixels, 2, mode);
        Assert.Equal([2L, 3, S, S], got.Shape);
        // Same float32 operations in the same order: agreement to the last bit but for 1 ulp slack.
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], got.Data[i], Math.Abs(expected[i]) * 2e-7f);
        Assert.Equal(mode.ToString().ToLowerInvariant(), ModelInfo.Read(wrapped).Preprocess);
    }

    [Fact]
    public void Nhwc_float16_model_gets_a_cast_in_and_float32_out()
    {
        var wrapped = ForeignModelImporter.Wrap(Passthrough(DataType.Float16, "batch", nchw: false), "test", "half.onnx",
            new ForeignImportOptions { Preprocess = ImagePreprocess.Tf, InputSize = S });
        Assert.Equal((int)DataType.Float, wrapped.Graph.Output.Single().Type.TensorType.ElemType);
        var pixels = TinyNets.Pixels(5, S * S * 3);
        var got = TinyNets.Run(wrapped, "image", pixels, [1, S, S, 3], "out")["out"];
        Assert.Equal([1L, S, S, 3], got.Shape);
        for (int i = 0; i < pixels.Length; i++) Assert.Equal((float)(Half)(pixels[i] / 127.5f - 1f), got.Data[i]);
    }

    [Fact]
    public void A_model_input_already_called_image_is_renamed_behind_the_preprocessing()
    {
        var wrapped = ForeignModelImporter.Wrap(Passthrough(DataType.Float, "batch", input: "image"), "test", "image.onnx",
            new ForeignImportOptions { Preprocess = ImagePreprocess.Tf, InputSize = S });
        var pixels = TinyNets.Pixels(9, S * S * 3);
        var got = TinyNets.Run(wrapped, "image", pixels, [1, S, S, 3], "out")["out"];
        Assert.Equal(NaivePreprocess(pixels, 1, ImagePreprocess.Tf), got.Data);
        Assert.Equal(["image"], wrapped.Graph.Input.Select(i => i.Name));
    }

    [Fact]
    public void Fixed_batch_of_one_becomes_symbolic_when_a_batch_of_two_runs()
    {
        var wrapped = ForeignModelImporter.Wrap(Passthrough(DataType.Float, 1L), "test", "b1.onnx", new ForeignImportOptions { InputSize = S });
        Assert.Equal("N", wrapped.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        var got = TinyNets.Run(wrapped, "image", TinyNets.Pixels(1, 3 * S * S * 3), [3, S, S, 3], "out")["out"];
        Assert.Equal(3, got.Shape[0]);
    }

    [Fact]
    public void Fixed_batch_stays_when_the_graph_bakes_it_into_a_reshape()
    {
        var g = new GraphBuilder("reshape");
        g.Input("data", DataType.Float, 1L, 3L, (long)S, (long)S);
        g.InitializerInt64("shape", [1, -1], 2);
        g.Node("Reshape", ["data", "shape"], "flat");
        g.Output("flat", DataType.Float, 1L, 3L * S * S);
        var wrapped = ForeignModelImporter.Wrap(g.ToModel(), "test", "reshape.onnx", new ForeignImportOptions { InputSize = S });
        Assert.Equal(1, wrapped.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimValue);
    }

    [Fact]
    public void Fixed_batch_stays_when_onnx_runtime_refuses_a_batch_of_two()
    {
        // Reshape to [1, 192] fails outright at batch 2: the refusal means "keep the batch", not an error.
        var g = new GraphBuilder("reshape_fixed");
        g.Input("data", DataType.Float, 1L, 3L, (long)S, (long)S);
        g.InitializerInt64("shape", [1, 3 * S * S], 2);
        g.Node("Reshape", ["data", "shape"], "flat");
        g.Output("flat", DataType.Float, 1L, 3L * S * S);
        var wrapped = ForeignModelImporter.Wrap(g.ToModel(), "test", "reshape.onnx", new ForeignImportOptions { InputSize = S });
        Assert.Equal(1, wrapped.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimValue);
    }

    [Fact]
    public void Input_size_must_match_a_fixed_spatial_size()
    {
        var e = Assert.Throws<OnnxTransferException>(() =>
            ForeignModelImporter.Wrap(Passthrough(DataType.Float, 1L), "test", "b1.onnx", new ForeignImportOptions { InputSize = 224 }));
        Assert.Contains("'b1.onnx'", e.Message);
        Assert.Contains("`InputSize` 8", e.Message);
    }

    [SharedFact]
    public void Squeeze_net_fp16_with_bgr255_ranks_a_cat_in_the_top5()
    {
        string path = SharedData.Models("squeezenet1.1-fp16.onnx");
        var model = ForeignModelImporter.Import(path, new ForeignImportOptions { Preprocess = ImagePreprocess.Bgr255 }).Proto;
        var info = ModelInfo.Read(model);
        Assert.Equal("onnx", info.Arch);
        Assert.Equal($"onnx:sha256={Hashing.Sha256File(path)}", info.Weights);
        Assert.Equal(OnnxModelFile.Load(path).Graph.Node.Count, info.Layers.Count);
        AssertCatInTop5(model);
    }

    [SharedFact]
    public void Mobile_net_v2_int8_with_torch_preprocessing_ranks_a_cat_in_the_top5()
    {
        var model = ForeignModelImporter.Import(SharedData.Models("mobilenetv2-12-int8.onnx"), new ForeignImportOptions { Preprocess = ImagePreprocess.Torch }).Proto;
        AssertCatInTop5(model);
    }

    private static void AssertCatInTop5(ModelProto model)
    {
        var pixels = Decode224(SharedData.Path("models", "testimgs", "cat1.jpg"));
        string output = model.Graph.Output[0].Name;
        var scores = TinyNets.Run(model, "image", pixels, [1, 224, 224, 3], output)[output].Data;
        Assert.Equal(1000, scores.Length);
        var top5 = scores.Select((s, i) => (s, i)).OrderByDescending(x => x.s).Take(5).Select(x => x.i).ToList();
        var labels = File.ReadAllLines(SharedData.Models("imagenet_labels.txt"));
        Assert.True(top5.Any(i => i is >= 281 and <= 285), $"top-5: {string.Join("; ", top5.Select(i => labels[i]))}");
    }

    // Independent of the extractor's image pipeline: SkiaSharp decode, 224x224 stretch, bilinear.
    private static float[] Decode224(string path)
    {
        using var decoded = SKBitmap.Decode(path);
        using var resized = decoded.Resize(new SKImageInfo(224, 224, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKFilterMode.Linear));
        var rgb = new float[224 * 224 * 3];
        for (int y = 0; y < 224; y++) for (int x = 0; x < 224; x++)
        {
            var c = resized.GetPixel(x, y);
            int o = (y * 224 + x) * 3;
            (rgb[o], rgb[o + 1], rgb[o + 2]) = (c.Red, c.Green, c.Blue);
        }
        return rgb;
    }
}
