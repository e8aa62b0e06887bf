using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.IO;

namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>
/// Everything needed to continue training exactly where it stopped: every parameter (BatchNorm statistics
/// included), optimizer slots and step count, completed epochs, RNG state, early-stopping state and history.
/// Binary, little-endian, written atomically.
/// </summary>
internal sealed class Checkpoint
{
    private const string Magic = "onnx-transfer head checkpoint v1";

    /// <summary>Head spec, widths and loss: a checkpoint only resumes the same architecture.</summary>
    public required string Fingerprint { get; init; }
    public required int EpochsDone { get; init; }
    public required ulong[] RngState { get; init; }
    public required long OptimizerIterations { get; init; }
    public required IReadOnlyList<(string Name, float[] Values)> Parameters { get; init; }
    public required IReadOnlyList<(string Name, float[] Values)> OptimizerSlots { get; init; }
    public required double Best { get; init; }
    public required int BestEpoch { get; init; }
    public required int Wait { get; init; }
    public required IReadOnlyList<EpochMetrics> History { get; init; }

    public static string FingerprintOf(DenseHead head) => $"{head.Spec} D={head.InputWidth} K={head.ClassCount} loss={head.Loss} dropout={head.Dropout}";

    public void Save(string path) => AtomicFile.Write(path, stream =>
    {
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(Fingerprint);
        w.Write(EpochsDone);
        foreach (ulong s in RngState) w.Write(s);
        w.Write(OptimizerIterations);
        WriteArrays(w, Parameters);
        WriteArrays(w, OptimizerSlots);
        w.Write(Best);
        w.Write(BestEpoch);
        w.Write(Wait);
        w.Write(History.Count);
        foreach (var h in History)
        {
            w.Write(h.Epoch);
            foreach (double v in new[] { h.LearningRate, h.Loss, h.Accuracy, h.TopKAccuracy, h.Auc, h.ValLoss, h.ValAccuracy, h.ValTopKAccuracy, h.ValAuc, h.Seconds }) w.Write(v);
            w.Write(h.Improved);
        }
    });

    public static Checkpoint Load(string path)
    {
        try
        {
            using var r = new BinaryReader(File.OpenRead(path));
            if (r.ReadString() != Magic) throw new InvalidDataException("bad header");
            string fingerprint = r.ReadString();
            int epochs = r.ReadInt32();
            var rng = new[] { r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64() };
            long iterations = r.ReadInt64();
            var parameters = ReadArrays(r);
            var slots = ReadArrays(r);
            double best = r.ReadDouble();
            int bestEpoch = r.ReadInt32();
            int wait = r.ReadInt32();
            int count = r.ReadInt32();
            var history = new List<EpochMetrics>(count);
            for (int i = 0; i < count; i++)
            {
                int epoch = r.ReadInt32();
                var v = new double[10];
                for (int j = 0; j < v.Length; j++) v[j] = r.ReadDouble();
                history.Add(new EpochMetrics(epoch, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], r.ReadBoolean()));
            }
            return new Checkpoint
            {
                Fingerprint = fingerprint, EpochsDone = epochs, RngState = rng, OptimizerIterations = iterations,
                Parameters = parameters, OptimizerSlots = slots, Best = best, BestEpoch = bestEpoch, Wait = wait, History = history,
            };
        }
        catch (Exception e) when (e is IOException or InvalidDataException or EndOfStreamException)
        {
            throw new OnnxTransferException($"Checkpoint '{path}' is unreadable ({e.Message}); start again without `Resume`.");
        }
    }

    /// <summary>Copies the saved parameter values into <paramref name="head"/>'s parameters (same names and sizes).</summary>
    public void ApplyTo(DenseHead head, string path)
    {
        var byName = Parameters.ToDictionary(p => p.Name, p => p.Values);
        foreach (var p in head.Parameters)
        {
            if (!byName.TryGetValue(p.Name, out var v) || v.Length != p.Value.Length)
                throw new OnnxTransferException($"Checkpoint '{path}' does not match the head ({p.Name}); start again without `Resume`.");
            v.CopyTo(p.Value, 0);
        }
    }

    private static void WriteArrays(BinaryWriter w, IReadOnlyList<(string Name, float[] Values)> arrays)
    {
        w.Write(arrays.Count);
        foreach (var (name, values) in arrays)
        {
            w.Write(name);
            w.Write(values.Length);
            w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }
    }

    private static List<(string, float[])> ReadArrays(BinaryReader r)
    {
        int count = r.ReadInt32();
        var list = new List<(string, float[])>(count);
        for (int i = 0; i < count; i++)
        {
            string name = r.ReadString();
            var values = new float[r.ReadInt32()];
            byte[] bytes = r.ReadBytes(values.Length * sizeof(float));
            if (bytes.Length != values.Length * sizeof(float)) throw new EndOfStreamException();
            Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
            list.Add((name, values));
        }
        return list;
    }
}
