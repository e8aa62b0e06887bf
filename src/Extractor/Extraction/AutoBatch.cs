using OnnxTransfer.Extractor.Runtime;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>
/// The batch size of an extraction: the one asked for, or for <see cref="ExtractionOptions.AutoBatchSize"/> the largest
/// power of two that runs on the GPU (<see cref="BatchSizeSearch"/>), tried on the session with zero images.
/// </summary>
internal static class AutoBatch
{
    /// <param name="requested">The options' batch size.</param>
    /// <param name="session">The session the trials run on.</param>
    /// <param name="hostLimit">The largest batch the host memory holds (<see cref="WorkingMemory.LargestBatch"/>).</param>
    /// <param name="runner">Makes a runner of that many images, the extraction's own outputs.</param>
    public static (int Size, string Reason) Choose(int requested, ModelSession session, long hostLimit, Func<int, BatchRunner> runner)
    {
        if (requested != ExtractionOptions.AutoBatchSize) return (requested, "requested");
        if (session.Device.Kind != DeviceKind.Cuda) return (ExtractionOptions.DefaultBatchSize, "auto on CPU: the default, larger batches run no faster");
        int cap = ExtractionOptions.DefaultBatchSize;
        while (cap * 2 <= Math.Min(ExtractionOptions.MaxAutoBatchSize, hostLimit)) cap *= 2;
        var (size, why) = BatchSizeSearch.Find(ExtractionOptions.DefaultBatchSize, cap, n => Fits(runner, n));
        return (size, $"auto: {why}");
    }

    private static bool Fits(Func<int, BatchRunner> create, int n)
    {
        using var runner = create(n);
        try
        {
            runner.Run(n);
            return true;
        }
        catch (OnnxTransferException e) when (e.InnerException is Microsoft.ML.OnnxRuntime.OnnxRuntimeException ort && CudaErrors.IsOutOfMemory(ort.Message))
        {
            return false;
        }
    }
}
