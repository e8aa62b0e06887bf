namespace OnnxTransfer.Features;

/// <summary>
/// How a streamed pass splits <see cref="FeatureSet.MemoryBudget"/>: the batches and one row group are set aside, and the
/// two windows get three quarters of the rest. The last quarter is headroom for what reading and training cost besides
/// the windows: Parquet's decode buffers and the garbage the GC lets pile up between collections (measured on the
/// stream-food101 benchmark: a managed heap about 0.25 GB above its live size, with the windows outside it).
/// </summary>
internal static class StreamBudget
{
    private const double WindowShare = 0.75;

    /// <summary>Rows a window may hold within <paramref name="budget"/>, once <paramref name="reservedRows"/> rows are set aside (at most one array's worth).</summary>
    public static long WindowRows(long budget, int width, long reservedRows)
    {
        long row = (long)width * sizeof(float);
        return Math.Min((long)((budget - reservedRows * row) * WindowShare / (2 * row)), Array.MaxLength / width);
    }

    /// <summary>The least budget that gives windows of <paramref name="windowRows"/> rows (the inverse of <see cref="WindowRows"/>).</summary>
    public static long For(long windowRows, int width, long reservedRows)
    {
        long row = (long)width * sizeof(float);
        return reservedRows * row + (long)Math.Ceiling(2 * windowRows * row / WindowShare) + 1;
    }
}
