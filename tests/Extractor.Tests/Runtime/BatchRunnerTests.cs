using Microsoft.ML.OnnxRuntime;
using OnnxTransfer.Extractor.Runtime;
using OnnxTransfer.Extractor.Tests.Extraction;
using OnnxTransfer.Onnx;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Runtime;

public class BatchRunnerTests
{
    /// <summary>
    /// Plain runs (CPU) and IO binding (what CUDA uses, run here on the CPU session): the same arrays, the same results.
    /// The binding's input is bound anew each run and its outputs only when the item count changes.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Each_input_buffer_runs_its_own_items_full_or_short_batch(bool ioBinding)
    {
        byte[] model = OnnxModelFile.ToBytes(TestModels.TinyConv());
        // The extractor's settings; the reference below is a session with ORT's defaults.
        using var session = SessionFactory.Create(model, new SessionSettings { Threads = 1, AllowSpinning = false, MemoryPattern = false });
        long[] item = [16, 16, 3];
        int len = 16 * 16 * 3;
        var shapes = BatchRunner.ProbeOutputShapes(session, "image", item, ["gap"]);
        using var runner = new BatchRunner(session, "image", item, ["gap"], shapes, batchSize: 4, inputBuffers: 2, ioBinding);
        Assert.Equal(2, runner.Inputs.Count);
        Assert.Same(runner.Inputs[0], runner.Input);

        var random = new Random(7);
        foreach (var buffer in runner.Inputs)
            for (int i = 0; i < buffer.Length; i++) buffer[i] = (float)(random.NextDouble() * 255);

        // Reference: a plain session, each item alone, on its own copy of the pixels.
        using var plain = new InferenceSession(model);
        float[] Reference(float[] pixels, int index)
        {
            using var value = OrtValue.CreateTensorValueFromMemory(pixels[(index * len)..((index + 1) * len)], [1, .. item]);
            using var options = new RunOptions();
            using var results = plain.Run(options, ["image"], [value], ["gap"]);
            return results[0].GetTensorDataAsSpan<float>().ToArray();
        }

        int width = (int)BatchRunner.Product(shapes[0]);
        // Short batches between full ones, the same count twice, and the same buffer with new pixels.
        var runs = new[] { (1, 4), (0, 3), (1, 3), (1, 1), (0, 4), (0, 4), (1, 2) };
        for (int run = 0; run < runs.Length; run++)
        {
            var (buffer, count) = runs[run];
            if (run == 5) for (int i = 0; i < runner.Inputs[0].Length; i++) runner.Inputs[0][i] = (float)(random.NextDouble() * 255);
            runner.Run(count, buffer);
            for (int i = 0; i < count; i++)
            {
                var expected = Reference(runner.Inputs[buffer], i);
                var actual = runner.Outputs[0].AsSpan(i * width, width).ToArray();
                for (int k = 0; k < width; k++) Assert.Equal(expected[k], actual[k], 1e-5f);
            }
        }
        // Bound at 4 when created, then at 3, 1, 4 and 2: never for a run at the count already bound.
        Assert.Equal(ioBinding ? 5 : 0, runner.OutputBindings);
        Assert.Throws<ArgumentOutOfRangeException>(() => runner.Run(1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => runner.Run(5, 0));
    }

    [Fact]
    public void Only_cuda_runs_through_an_io_binding()
    {
        Assert.True(BatchRunner.UsesIoBinding(new DeviceSpec(DeviceKind.Cuda, 1)));
        Assert.False(BatchRunner.UsesIoBinding(DeviceSpec.Cpu));
        using var session = SessionFactory.Create(OnnxModelFile.ToBytes(TestModels.TinyConv()), new SessionSettings { Threads = 1 });
        using var runner = new BatchRunner(session, "image", [16, 16, 3], ["gap"], BatchRunner.ProbeOutputShapes(session, "image", [16, 16, 3], ["gap"]), batchSize: 2);
        runner.Run(1);
        Assert.Equal(0, runner.OutputBindings);
    }
}
