using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Imaging;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.Training;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using OnnxTransfer.Tests;
using Xunit;
using Xunit.Abstractions;

namespace OnnxTransfer.Inference.Tests;

/// <summary>
/// The default export takes the decoded photo and resizes in its graph: fed the photo's pixels it must give what
/// `predict` of the run gives, in this ONNX Runtime and in onnxruntime-node, for every resize it can export.
/// </summary>
public sealed class RawPhotoExportTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    // Real photos of many shapes: small landscape (193x130) and portrait (159x240), portrait (333x500), square
    // (499x499), landscape (704x500), and two large JPEGs (2592x1944; 1488x1984 portrait) that the tool decodes
    // at a reduced DCT scale; then two val photos of one size (625x500) for a batch of two.
    private static readonly string[] Photos =
    [
        "hymenoptera_data/train/ants/formica.jpeg",
        "flower_photos_small_set/sunflowers/184682652_c927a49226_m.jpg",
        "hymenoptera_data/train/bees/446296270_d9e8b93ecf.jpg",
        "oxford_flowers17/train/buttercup/image_1168.jpg",
        "oxford_flowers17/train/buttercup/image_1181.jpg",
        "hymenoptera_data/val/ants/ants-devouring-remains-of-large-dead-insect-on-red-tile-in-Stellenbosch-South-Africa-closeup-1-DHD.jpg",
        "hymenoptera_data/train/ants/Nepenthes_rafflesiana_ant.jpg",
        "oxford_flowers17/val/bluebell/image_0263.jpg",
        "oxford_flowers17/val/daffodil/image_0068.jpg",
    ];

    public static TheoryData<ResizeMode, Interpolation> Exportable => new()
    {
        { ResizeMode.Stretch, Interpolation.Bilinear },
        { ResizeMode.CenterCrop, Interpolation.Bilinear },
        { ResizeMode.Stretch, Interpolation.Nearest },
        { ResizeMode.CenterCrop, Interpolation.Nearest },
        { ResizeMode.Stretch, Interpolation.Bicubic },
        { ResizeMode.CenterCrop, Interpolation.Bicubic },
        { ResizeMode.Stretch, Interpolation.Area },
        { ResizeMode.CenterCrop, Interpolation.Area },
    };

    [SharedTheory]
    [MemberData(nameof(Exportable))]
    public void Raw_photo_export_gives_predicts_probabilities_in_two_runtimes(ResizeMode resize, Interpolation interpolation)
    {
        using var dir = new TempDir();
        string run = TrainRun(dir, resize, interpolation);
        string file = dir.File("classifier.onnx");
        ChainExporter.Export(RunDirectory.Open(run)).Save(file);
        var paths = Photos.Select(p => SharedData.Path("datasets", p)).ToList();

        using var predictor = Predictor.FromRunDirectory(run);
        var expected = predictor.PredictFiles(paths).Select(r => r.Prediction!.Probabilities).ToList();
        var photos = paths.Select(p => ImageLoader.DecodePhoto(p, predictor.Image)).ToList();

        using var session = new InferenceSession(file);
        var ort = photos.Select(p => Run(session, [p])).ToList();
        using var exported = Predictor.Open(file);
        Assert.True(exported.TakesRawPhotos);
        var viaPredict = exported.PredictFiles(paths).Select(r => r.Prediction!.Probabilities).ToList();
        var (version, node) = NodeOnnxRuntime.Run(file, photos, dir.File("node"));

        double worstOrt = Worst(expected, ort), worstPredict = Worst(expected, viaPredict), worstNode = Worst(expected, node);
        output.WriteLine($"{resize} {interpolation}, {paths.Count} photos: max |p_predict - p| ORT {worstOrt:G3}, " +
                         $"Predictor on the file {worstPredict:G3}, onnxruntime-node {version} {worstNode:G3}");
        Assert.InRange(worstOrt, 0, Tolerance);
        Assert.InRange(worstPredict, 0, Tolerance);
        Assert.InRange(worstNode, 0, Tolerance);

        // N > 1: photos of one size in one run give each photo's own probabilities.
        var pair = Run(session, [photos[^2], photos[^1]]);
        Assert.InRange(Worst([.. expected[^2], .. expected[^1]], pair), 0, Tolerance);
    }

    [SharedFact]
    public void The_file_states_its_input_contract()
    {
        using var dir = new TempDir();
        string run = TrainRun(dir, ResizeMode.CenterCrop, Interpolation.Bicubic);
        var raw = ChainExporter.Export(RunDirectory.Open(run)).Proto;
        var input = Assert.Single(raw.Graph.Input, i => i.Name == ModelInfo.ImageInput);
        Assert.Equal((int)TensorProto.Types.DataType.Uint8, input.Type.TensorType.ElemType);
        Assert.Equal(["N", "H", "W", ""], input.Type.TensorType.Shape.Dim.Select(d => d.DimParam));
        var meta = raw.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("raw", meta[ModelInfo.InputKey]);
        Assert.Equal("uint8", meta[ModelInfo.InputDtypeKey]);
        Assert.Equal("rgb", meta[ModelInfo.ChannelOrderKey]);
        Assert.Equal("center-crop", meta[ModelInfo.ResizeKey]);
        Assert.Equal("bicubic", meta[ModelInfo.InterpolationKey]);
        Assert.Contains("uint8 [N,H,W,3], a decoded photo of any size", raw.DocString);
        Assert.Contains("crops the largest centred square", raw.DocString);
        // Resize and the crop run in the backbone's own opset.
        Assert.Equal(GraphBuilder.Opset, raw.OpsetImport.Single(o => o.Domain == "").Version);
    }

    // Pillow's filters, also under torchvision's short-side resize, which takes only them.
    public static TheoryData<ResizeMode, Interpolation> NotExportable => new()
    {
        { ResizeMode.Stretch, Interpolation.PilNearest },
        { ResizeMode.ShortSide, Interpolation.PilBilinear },
    };

    [SharedTheory]
    [MemberData(nameof(NotExportable))]
    public void Resizes_no_graph_reproduces_are_refused_and_the_fixed_form_still_predicts_like_the_run(ResizeMode resize, Interpolation interpolation)
    {
        using var dir = new TempDir();
        string run = TrainRun(dir, resize, interpolation);
        var e = Assert.Throws<OnnxTransferException>(() => ChainExporter.Export(RunDirectory.Open(run)));
        output.WriteLine(e.Message);
        Assert.StartsWith($"Cannot export run '{run}' for raw photos: `Interpolation` {OptionNames.Name(interpolation)} is Pillow's resize", e.Message);
        Assert.Contains("Export with `Input` fixed instead", e.Message);
        Assert.DoesNotContain('\n', e.Message);

        string file = dir.File("fixed.onnx");
        ChainExporter.Export(RunDirectory.Open(run), new ExportOptions { Input = ExportInput.Fixed }).Save(file);
        var fixedModel = OnnxModel.Load(file);
        Assert.Equal(ModelInfo.FixedInput, fixedModel.Info.Input);
        var input = fixedModel.Proto.Graph.Input.Single(i => i.Name == ModelInfo.ImageInput);
        Assert.Equal((int)TensorProto.Types.DataType.Float, input.Type.TensorType.ElemType);
        Assert.Equal(["N", "H", "W", ""], input.Type.TensorType.Shape.Dim.Select(d => d.DimParam)); // the backbone's own input
        Assert.DoesNotContain(fixedModel.Proto.Graph.Node, n => n.OpType == "Resize");
        var paths = Photos.Select(p => SharedData.Path("datasets", p)).ToList();
        using var fromRun = Predictor.FromRunDirectory(run);
        using var fromFile = Predictor.Open(file);
        Assert.False(fromFile.TakesRawPhotos);
        Assert.InRange(Worst(fromRun.PredictFiles(paths).Select(r => r.Prediction!.Probabilities).ToList(),
                             fromFile.PredictFiles(paths).Select(r => r.Prediction!.Probabilities).ToList()), 0, 1e-5);
    }

    // A real run on the photos above (two classes), with the real MobileNet 0.25 at a small input size to keep it quick.
    private static string TrainRun(TempDir dir, ResizeMode resize, Interpolation interpolation)
    {
        string photos = dir.File("photos");
        for (int i = 0; i < Photos.Length; i++)
        {
            string folder = Path.Combine(photos, i % 2 == 0 ? "even" : "odd");
            Directory.CreateDirectory(folder);
            File.Copy(SharedData.Path("datasets", Photos[i]), Path.Combine(folder, $"{i}{Path.GetExtension(Photos[i])}"));
        }
        var model = KerasImporter.Import(SharedData.Models("mobilenet_2_5_224_tf_no_top.h5"), KerasArch.MobileNet, new KerasImportOptions { Alpha = 0.25 }).Proto;
        var truncated = GraphTruncator.Truncate(model, ["conv_pw_13_relu"], PoolMode.Avg);
        string features = dir.File("features");
        var options = new ExtractionOptions { ModelName = "mobilenet", InputSize = 32, Resize = resize, Interpolation = interpolation };
        using (var extractor = new FeatureExtractor(truncated, options))
            extractor.ExtractAsync(photos, features).GetAwaiter().GetResult();
        string run = dir.File("run");
        new Trainer(new TrainerOptions { Epochs = 2, Seed = 1, ValidationSplit = 0.3f }).Train(FeatureSet.Load(features), run);
        return run;
    }

    private static float[] Run(InferenceSession session, DecodedPhoto[] photos)
    {
        var first = photos[0];
        byte[] batch = [.. photos.SelectMany(p => p.Rgb)];
        var tensor = new DenseTensor<byte>(batch, [photos.Length, first.Height, first.Width, 3]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(ModelInfo.ImageInput, tensor)], [ChainExporter.HeadOutput]);
        return results[0].AsEnumerable<float>().ToArray();
    }

    private static double Worst(List<float[]> expected, List<float[]> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        return Worst([.. expected.SelectMany(p => p)], [.. actual.SelectMany(p => p)]);
    }

    private static double Worst(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        return expected.Zip(actual, (a, b) => (double)Math.Abs(a - b)).Max();
    }
}
