using System.Diagnostics;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>
/// The time each stage of a run spends on its work, from any thread: decoding (and drawing augmented views) per image,
/// and ONNX Runtime per batch. Divided by the threads doing it, each gives the rate that stage kept up, so a run can
/// say which one binds.
/// </summary>
internal sealed class StageRates
{
    private long _decodeTicks, _decodedRows, _modelTicks, _modelRows;

    /// <summary>Adds one image's decode, started at <paramref name="startTimestamp"/> (Stopwatch), giving <paramref name="rows"/> rows.</summary>
    public void Decoded(long startTimestamp, int rows)
    {
        Interlocked.Add(ref _decodeTicks, Stopwatch.GetTimestamp() - startTimestamp);
        Interlocked.Add(ref _decodedRows, rows);
    }

    /// <summary>Adds one ONNX Runtime run of <paramref name="rows"/> rows, started at <paramref name="startTimestamp"/>.</summary>
    public void Ran(long startTimestamp, int rows)
    {
        Interlocked.Add(ref _modelTicks, Stopwatch.GetTimestamp() - startTimestamp);
        Interlocked.Add(ref _modelRows, rows);
    }

    /// <summary>The decoders' seconds per thread and rows per second of that, the sessions' likewise, and which is slower.</summary>
    public (double DecodeSeconds, double DecodeRate, double ModelSeconds, double ModelRate, string Binds) Summarize(int decodeThreads, int sessions)
    {
        double decodeSeconds = Seconds(Interlocked.Read(ref _decodeTicks)) / decodeThreads;
        double modelSeconds = Seconds(Interlocked.Read(ref _modelTicks)) / sessions;
        double decodeRate = Rate(Interlocked.Read(ref _decodedRows), decodeSeconds), modelRate = Rate(Interlocked.Read(ref _modelRows), modelSeconds);
        string binds = decodeRate == 0 && modelRate == 0 ? "" : decodeRate < modelRate ? "decoding" : "model";
        return (decodeSeconds, decodeRate, modelSeconds, modelRate, binds);
    }

    private static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;

    private static double Rate(long rows, double seconds) => seconds > 0 ? rows / seconds : 0;
}
