namespace OnnxTransfer.Extractor.Runtime;

/// <summary>
/// Finds the largest batch that fits on the GPU by trying it: powers of two up from a start until a trial runs out of
/// memory or reaches the cap, then the last one that ran; down from the start when even that one does not fit.
/// </summary>
internal static class BatchSizeSearch
{
    /// <param name="start">The first size tried (the default batch size).</param>
    /// <param name="cap">The largest size tried.</param>
    /// <param name="fits">Runs one batch of that size: false when it ran out of memory (any other failure propagates).</param>
    /// <returns>The size and why it stopped there, e.g. "1024 ran out of GPU memory".</returns>
    /// <exception cref="OnnxTransferException">Not even one image fits.</exception>
    public static (int Size, string Reason) Find(int start, int cap, Func<int, bool> fits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(start, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cap, start);
        if (!fits(start))
        {
            for (int n = start / 2; n >= 1; n /= 2)
                if (fits(n)) return (n, $"{n * 2} ran out of GPU memory");
            throw new OnnxTransferException("`BatchSize` auto: not even one image fits in GPU memory; use a smaller `InputSize` or another device.");
        }
        for (int n = start; ; n *= 2)
        {
            if (n * 2 > cap) return (n, $"the largest tried ({cap} at most)");
            if (!fits(n * 2)) return (n, $"{n * 2} ran out of GPU memory");
        }
    }
}
