using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Extractor.Runtime;
using OnnxTransfer.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;
using Xunit;
using Xunit.Abstractions;
using DataType = OnnxTransfer.Onnx.Proto.TensorProto.Types.DataType;

namespace OnnxTransfer.Extractor.Tests.Runtime;

/// <summary>Models ONNX Runtime refuses to load or run are one-line errors naming the model, ORT's reason and the fix.</summary>
public sealed class OrtRejectionTests(ITestOutputHelper output)
{
    private const string Fix = "re-export the model with onnx, or wrap it (`ForeignModelImporter.Import`)";

    // Each model and a piece of ORT's reason (or of ours, for the allocation ORT only calls std::bad_alloc).
    public static TheoryData<string, string> Rejected => new()
    {
        { "unknown_op", "No Op registered for NoSuchOp" },
        { "type_mismatch", "bound to different types (tensor(float) and tensor(int64)" },
        { "absurd_dim", "cannot allocate input 'image' [1, 1000000000000, 8, 3]" },
    };

    // image [N,8,8,3] -> one node -> out, in a graph named after what is wrong with it.
    private static ModelProto Model(string kind)
    {
        var g = new GraphBuilder(kind);
        object[] dims = kind switch
        {
            "absurd_dim" => [1L, 1_000_000_000_000L, 8L, 3L],
            "batch_of_one" => [1L, 8L, 8L, 3L],
            _ => ["N", 8L, 8L, 3L],
        };
        g.Input(ModelInfo.ImageInput, DataType.Float, dims);
        switch (kind)
        {
            case "unknown_op":
                g.Node("NoSuchOp", [ModelInfo.ImageInput], "out");
                break;
            case "type_mismatch":
                g.InitializerInt64("offset", [1], 1);
                g.Node("Add", [ModelInfo.ImageInput, "offset"], "out");
                break;
            default:
                g.Node("Relu", [ModelInfo.ImageInput], "out");
                break;
        }
        g.Output("out", DataType.Float, dims);
        return g.ToModel();
    }

    private string Fails(Action load, string kind, string reason)
    {
        var e = Assert.Throws<OnnxTransferException>(load);
        output.WriteLine(e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains($"'{kind}'", e.Message);
        Assert.Contains(reason, e.Message);
        Assert.EndsWith(Fix + ".", e.Message);
        return e.Message;
    }

    [Theory]
    [InlineData("unknown_op", "No Op registered for NoSuchOp")]
    [InlineData("type_mismatch", "bound to different types (tensor(float) and tensor(int64)")]
    public void A_session_on_a_model_ort_cannot_load(string kind, string reason)
    {
        byte[] bytes = OnnxModelFile.ToBytes(Model(kind));
        Fails(() => SessionFactory.Create(bytes, new SessionSettings { Threads = 1 }).Dispose(), kind, reason);
    }

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Layers_of_a_model_ort_cannot_run(string kind, string reason)
    {
        Fails(() => LayerSummary.Of(Model(kind), 8), kind, reason);
    }

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Truncating_a_model_ort_cannot_run(string kind, string reason)
    {
        Fails(() => GraphTruncator.Truncate(Model(kind), ["out"], PoolMode.None), kind, reason);
    }

    [Fact]
    public void Extracting_with_an_input_ort_cannot_take()
    {
        var model = Model("absurd_dim");
        new ModelInfo
        {
            Arch = "", Preprocess = "none", InputSize = 8,
            Features = [new FeatureOutput("out", "out", "none", [8, 8, 3])],
        }.WriteTo(model);
        Fails(() => new FeatureExtractor(model, new ExtractionOptions { ModelName = "absurd", Threads = 1 }).Dispose(), "absurd_dim",
              "Got invalid dimensions for input: image for the following indices index: 1 Got: 8 Expected: 1000000000000");
    }

    [Fact]
    public void A_batch_the_model_cannot_take()
    {
        using var session = SessionFactory.Create(OnnxModelFile.ToBytes(Model("batch_of_one")), new SessionSettings { Threads = 1 });
        using var runner = new BatchRunner(session, ModelInfo.ImageInput, [8, 8, 3], ["out"], [[8, 8, 3]], batchSize: 2);
        Fails(() => runner.Run(2), "batch_of_one", "index: 0 Got: 2 Expected: 1");
    }
}
