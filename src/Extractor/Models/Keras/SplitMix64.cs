namespace OnnxTransfer.Extractor.Models.Keras;

/// <summary>SplitMix64: tiny, fast and fixed forever, unlike System.Random whose algorithm may change,
/// so seeded weights and probe images stay the same across .NET versions.</summary>
internal struct SplitMix64(ulong state)
{
    private ulong _state = state;

    private ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n) => (int)(NextDouble() * n);

    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(); // in (0, 1], keeps Log finite
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    public static ulong Fnv1a(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in s) { h ^= c; h *= 1099511628211UL; }
        return h;
    }

    public static ulong Mix(ulong a, ulong b) => a * 0x9E3779B97F4A7C15UL ^ b;
}
