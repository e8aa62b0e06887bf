using System.Globalization;
using OnnxTransfer.Extractor.Runtime;

namespace OnnxTransfer.Bench.EndToEnd;

/// <summary>Options of `e2e`. Defaults keep the full run well under 15 minutes on a 2-core machine.</summary>
public sealed class E2eOptions
{
    public const string Usage =
        "usage: e2e [--quick] [--images N] [--out FILE] [--batch-size N] [--threads N] [--repeats N] [--device D]\n" +
        "  --quick         about 2 minutes: fewer photos and repeats (a smoke run)\n" +
        "  --images N      base photo count (default 192, quick 32): EfficientNetB0 extraction gets 2N,\n" +
        "                  MobileNet 0.25 4N, VGG19 block2_pool N/4 and block5_pool N/3 (at least 8);\n" +
        "                  prediction throughput N\n" +
        "  --out FILE      report file (default BENCHMARKS.md in the current folder)\n" +
        "  --batch-size N  images per ONNX Runtime run, extraction and ORT-only alike (default 32)\n" +
        "  --threads N     ONNX Runtime intra-op threads; 0 = one per physical core, and also one fewer (default 0)\n" +
        "  --repeats N     timed repeats of each extraction/ORT-only pair, best kept (default 3, quick 1)\n" +
        "  --device D      cpu (default) or cuda[:id] for ORT (needs a build with -p:OrtGpu=true)\n" +
        "The run ends with ML.NET as a peer (its own section, mlnet-peer, on CPU; `mlnet` runs only that).";

    public bool Quick { get; private init; }

    /// <summary>Base photo count (see <see cref="Usage"/>): prediction throughput; extraction scales it per model. Default 192 (quick 32).</summary>
    public int Images { get; private init; }

    public string Out { get; private init; } = "BENCHMARKS.md";

    public int BatchSize { get; private init; } = 32;

    public int Threads { get; private init; }

    public int Repeats { get; private init; }

    /// <summary>Where ORT runs, for extraction, ORT-only and prediction alike. Default CPU.</summary>
    public DeviceSpec Device { get; private init; } = DeviceSpec.Cpu;

    /// <summary>Single-image predictions timed for the latency percentiles.</summary>
    public int LatencyRepeats => Quick ? 30 : 200;

    /// <summary>Photos in the 1x row of the scaling table (then 4x and 16x).</summary>
    public int ScalingBase => Quick ? 8 : 48;

    /// <summary>Photos in the single-threaded decode loop; 0 means every photo of the set.</summary>
    public int DecodePhotos => Quick ? 96 : 0;

    /// <summary>The arguments as given, for the report's exact command line.</summary>
    public IReadOnlyList<string> Arguments { get; private init; } = [];

    /// <summary>Photos for another model: <see cref="Images"/> scaled by its cost, at least 8.</summary>
    public int ImagesScaled(double factor) => Math.Max(8, (int)(Images * factor));

    private static DeviceSpec ParseDevice(string text)
    {
        try { return DeviceSpec.Parse(text); }
        catch (OnnxTransferException e) { throw new ArgumentException(e.Message, e); }
    }

    public static E2eOptions Parse(string[] args)
    {
        bool quick = args.Contains("--quick");
        int? images = null, batch = null, threads = null, repeats = null;
        string? output = null;
        DeviceSpec device = DeviceSpec.Cpu;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int(int min)
            {
                string name = args[i], text = Next();
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= min
                    ? v : throw new ArgumentException($"{name} {text}: expected a whole number >= {min}");
            }
            switch (args[i])
            {
                case "--quick": break;
                case "--images": images = Int(1); break;
                case "--out": output = Next(); break;
                case "--batch-size": batch = Int(1); break;
                case "--threads": threads = Int(0); break;
                case "--repeats": repeats = Int(1); break;
                case "--device": device = ParseDevice(Next()); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        return new E2eOptions
        {
            Quick = quick,
            Images = images ?? (quick ? 32 : 192),
            Out = output ?? "BENCHMARKS.md",
            BatchSize = batch ?? 32,
            Threads = threads ?? 0,
            Repeats = repeats ?? (quick ? 1 : 3),
            Device = device,
            Arguments = args,
        };
    }
}
