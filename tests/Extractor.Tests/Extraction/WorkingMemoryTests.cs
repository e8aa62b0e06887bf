using OnnxTransfer.Extractor.Extraction;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Extraction;

public class WorkingMemoryTests
{
    /// <summary>
    /// The cap on auto's batch: what scales with the batch (input and output buffers, and the activations when they are
    /// in host memory) against what does not (weights, row groups, decoders).
    /// </summary>
    [Fact]
    public void The_largest_batch_counts_the_activations_only_in_host_memory()
    {
        // Estimated for 32 images: 10 bytes of input, 2 of output and 100 of activations per image; 180 bytes fixed.
        var memory = new WorkingMemory(Weights: 100, Inputs: 320, Outputs: 64, RowGroups: 50, Decoders: 30, Activations: 3200);
        Assert.Equal(100, memory.LargestBatch(180 + 12 * 100 + 11, 32, activationsInHostMemory: false));
        Assert.Equal(7, memory.LargestBatch(180 + 112 * 7 + 111, 32, activationsInHostMemory: true));
        Assert.True(memory.LargestBatch(179, 32, activationsInHostMemory: false) < 1);
    }
}
