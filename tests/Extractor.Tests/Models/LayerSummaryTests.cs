using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Onnx;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Models;

public class LayerSummaryTests
{
    [Fact]
    public void Tagged_model_rows_follow_the_layers_with_nhwc_shapes()
    {
        var summary = LayerSummary.Of(TinyNets.ConvNet());
        Assert.Equal(["input_layer", "conv1", "pool1", "conv2", "pool2", "flatten", "dense"], summary.Rows.Select(r => r.Name));
        // Shapes from the architecture at the tagged size 16: 'same' 3x3 convs keep H, W; 2x2 pools halve them.
        Assert.Equal(["(None, 16, 16, 3)", "(None, 16, 16, 4)", "(None, 8, 8, 4)", "(None, 8, 8, 6)", "(None, 4, 4, 6)", "(None, 96)", "(None, 5)"],
            summary.Rows.Select(r => r.KerasShape));
        Assert.Equal([0L, 112, 0, 222, 0, 0, 485], summary.Rows.Select(r => r.Params));
        Assert.True(summary.RandomWeights);
        Assert.Contains("RANDOM", summary.WeightsLabel);
    }

    [Fact]
    public void Input_size_overrides_the_tagged_size()
    {
        // Cut before the fixed-width dense layer so any size runs.
        var cut = GraphTruncator.Truncate(TinyNets.ConvNet(), ["pool2"], PoolMode.None);
        var summary = LayerSummary.Of(cut, 40);
        Assert.Equal(40, summary.InputSize);
        Assert.Equal(["(None, 40, 40, 3)", "(None, 40, 40, 4)", "(None, 20, 20, 4)", "(None, 20, 20, 6)", "(None, 10, 10, 6)"],
            summary.Rows.Select(r => r.KerasShape));
    }

    [Fact]
    public void Total_params_of_a_tagged_model_equal_its_initializer_elements()
    {
        var model = TinyNets.ConvNet();
        long elements = model.Graph.Initializer.Sum(TensorData.ElementCount);
        Assert.Equal(elements, LayerSummary.Of(model).TotalParams);
    }

    [SharedFact]
    public void Foreign_squeeze_net_has_its_published_parameter_count_and_first_conv_shape()
    {
        var model = OnnxModelFile.Load(SharedData.Models("squeezenet1.1-fp16.onnx"));
        var summary = LayerSummary.Of(model);
        // SqueezeNet 1.1: 1,235,496 parameters; conv1 is 3x3 stride 2 with 64 filters, no padding: 224 -> 111.
        Assert.Equal(1_235_496, summary.TotalParams);
        var first = summary.Rows[0];
        Assert.Equal("Conv", first.Type);
        Assert.Equal("(None, 111, 111, 64)", first.KerasShape);
        Assert.Equal(3 * 3 * 3 * 64 + 64, first.Params);
        Assert.False(summary.RandomWeights);
    }
}
