using System.Numerics;
using OnnxTransfer.HeadTrainer.Model;

namespace OnnxTransfer.HeadTrainer.Training;

public enum OptimizerKind { Sgd, Adam, AdamW }

/// <summary>
/// Keras 3 update rules, applied parameter by parameter after each batch.
/// SGD: v = momentum v - lr g; w += v, or with Nesterov w += momentum v - lr g (plain w -= lr g without momentum).
/// Adam: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g²; w -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps).
/// AdamW: first w -= lr wd w (decoupled weight decay), then the Adam step.
/// </summary>
internal sealed class Optimizer
{
    public const float Beta1 = 0.9f;
    public const float Beta2 = 0.999f;
    public const float Epsilon = 1e-7f;

    private readonly Dictionary<string, float[]> _m = [];
    private readonly Dictionary<string, float[]> _v = [];

    public Optimizer(OptimizerKind kind, float momentum, bool nesterov, float weightDecay) =>
        (Kind, Momentum, Nesterov, WeightDecay) = (kind, momentum, nesterov, weightDecay);

    public OptimizerKind Kind { get; }
    public float Momentum { get; }
    public bool Nesterov { get; }
    public float WeightDecay { get; }

    /// <summary>Updates applied so far (Adam's t after the next step is Iterations + 1).</summary>
    public long Iterations { get; set; }

    /// <summary>Slot buffers by "slot/parameter" name, for checkpoints.</summary>
    public IEnumerable<(string Name, float[] Values)> State =>
        _m.Select(kv => ("m/" + kv.Key, kv.Value)).Concat(_v.Select(kv => ("v/" + kv.Key, kv.Value))).OrderBy(s => s.Item1, StringComparer.Ordinal);

    public void Restore(string name, float[] values)
    {
        var (slots, key) = name.StartsWith("m/", StringComparison.Ordinal) ? (_m, name[2..]) : (_v, name[2..]);
        slots[key] = values;
    }

    public void Step(IEnumerable<Parameter> parameters, float lr)
    {
        long t = Iterations + 1;
        double correction = Math.Sqrt(1 - Math.Pow(Beta2, t)) / (1 - Math.Pow(Beta1, t));
        float alpha = (float)(lr * correction);
        foreach (var p in parameters.Where(p => p.Trainable))
        {
            float[] w = p.Value, g = p.Grad;
            switch (Kind)
            {
                case OptimizerKind.Sgd when Momentum == 0f:
                    Chunked(w.Length, (from, to) => SgdRange(w.AsSpan(from, to - from), g.AsSpan(from, to - from), lr));
                    break;
                case OptimizerKind.Sgd:
                    var vel = Slot(_m, p);
                    // Chunked and vectorized as Adam is: the scalar loop over VGG19-sized kernels was most of an SGD epoch.
                    Chunked(w.Length, (from, to) => MomentumRange(w.AsSpan(from, to - from), g.AsSpan(from, to - from), vel.AsSpan(from, to - from), lr));
                    break;
                default:
                    if (Kind == OptimizerKind.AdamW && WeightDecay != 0f)
                        for (int i = 0; i < w.Length; i++) w[i] -= lr * WeightDecay * w[i];
                    float[] m = Slot(_m, p), v = Slot(_v, p);
                    // 25 million weights for mlp:1024,1024 on VGG19 block5_pool: a single-threaded scalar loop
                    // took half of each epoch. Elementwise, so any chunking and SIMD width give the same bits.
                    Chunked(w.Length, (from, to) => AdamRange(w.AsSpan(from, to - from), g.AsSpan(from, to - from),
                                                              m.AsSpan(from, to - from), v.AsSpan(from, to - from), alpha));
                    break;
            }
        }
        Iterations = t;
    }

    /// <summary>Runs <paramref name="body"/> over [0, n) in chunks on the thread pool.</summary>
    private static void Chunked(int n, Action<int, int> body)
    {
        const int Chunk = 1 << 16;
        if (n <= Chunk) body(0, n);
        else Parallel.For(0, (n + Chunk - 1) / Chunk, c => body(c * Chunk, Math.Min(n, (c + 1) * Chunk)));
    }

    /// <summary>Plain SGD over one range: w -= lr g, Vector&lt;float&gt; wide then scalar (same operations, same rounding).</summary>
    private static void SgdRange(Span<float> w, ReadOnlySpan<float> g, float lr)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var rate = new Vector<float>(lr);
            for (; i <= w.Length - Vector<float>.Count; i += Vector<float>.Count)
                (new Vector<float>(w[i..]) - rate * new Vector<float>(g[i..])).CopyTo(w[i..]);
        }
        for (; i < w.Length; i++) w[i] -= lr * g[i];
    }

    /// <summary>SGD with momentum (Nesterov or not) over one range, as the class comment gives it, wide then scalar.</summary>
    private void MomentumRange(Span<float> w, ReadOnlySpan<float> g, Span<float> vel, float lr)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var rate = new Vector<float>(lr);
            var momentum = new Vector<float>(Momentum);
            for (; i <= w.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var step = rate * new Vector<float>(g[i..]);
                var v = momentum * new Vector<float>(vel[i..]) - step;
                v.CopyTo(vel[i..]);
                (new Vector<float>(w[i..]) + (Nesterov ? momentum * v - step : v)).CopyTo(w[i..]);
            }
        }
        for (; i < w.Length; i++)
        {
            vel[i] = Momentum * vel[i] - lr * g[i];
            w[i] += Nesterov ? Momentum * vel[i] - lr * g[i] : vel[i];
        }
    }

    /// <summary>The Adam update of the class comment over one range, Vector&lt;float&gt; wide then scalar (same operations, same rounding).</summary>
    private static void AdamRange(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float alpha)
    {
        const float OneMinusBeta1 = 1 - Beta1, OneMinusBeta2 = 1 - Beta2;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var b1 = new Vector<float>(OneMinusBeta1);
            var b2 = new Vector<float>(OneMinusBeta2);
            var a = new Vector<float>(alpha);
            var eps = new Vector<float>(Epsilon);
            for (; i <= w.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var gi = new Vector<float>(g[i..]);
                var mi = new Vector<float>(m[i..]);
                var vi = new Vector<float>(v[i..]);
                mi += (gi - mi) * b1;
                vi += (gi * gi - vi) * b2;
                (new Vector<float>(w[i..]) - a * mi / (Vector.SquareRoot(vi) + eps)).CopyTo(w[i..]);
                mi.CopyTo(m[i..]);
                vi.CopyTo(v[i..]);
            }
        }
        for (; i < w.Length; i++)
        {
            m[i] += (g[i] - m[i]) * OneMinusBeta1;
            v[i] += (g[i] * g[i] - v[i]) * OneMinusBeta2;
            w[i] -= alpha * m[i] / (MathF.Sqrt(v[i]) + Epsilon);
        }
    }

    private static float[] Slot(Dictionary<string, float[]> slots, Parameter p)
    {
        if (!slots.TryGetValue(p.Name, out var s)) slots[p.Name] = s = new float[p.Value.Length];
        return s;
    }
}
