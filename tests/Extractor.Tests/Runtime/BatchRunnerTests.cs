using Microsoft.ML.OnnxRuntime;
using OnnxTransfer.Extractor.Runtime;
using OnnxTransfer.Extractor.Tests.Extraction;
using OnnxTransfer.Onnx;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Runtime;

public class BatchRunnerTests
{
    [Fact]
    public void Each_input_buffer_runs_its_own_items_full_or_short_batch()
    {
        byte[] model = OnnxModelFile.ToBytes(TestModels.TinyConv());
        // The extractor's settings; the reference below is a session with ORT's defaults.
        using var session = SessionFactory.Create(model, new SessionSettings { Threads = 1, AllowSpinning = false, MemoryPattern = false });
        long[] item = [16, 16, 3];
        int len = 16 * 16 * 3;
        var shapes = BatchRunner.ProbeOutputShapes(session, "image", item, ["gap"]);
        using var runner = new BatchRunner(session, "image", item, ["gap"], shapes, batchSize: 4, inputBuffers: 2);
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
        foreach (var (buffer, count) in new[] { (1, 4), (0, 3), (1, 1), (0, 4) })
        {
            runner.Run(count, buffer);
            for (int i = 0; i < count; i++)
            {
                var expected = Reference(runner.Inputs[buffer], i);
                var actual = runner.Outputs[0].AsSpan(i * width, width).ToArray();
                for (int k = 0; k < width; k++) Assert.Equal(expected[k], actual[k], 1e-5f);
            }
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => runner.Run(1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => runner.Run(5, 0));
    }
}
