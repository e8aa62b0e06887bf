namespace OnnxTransfer.HeadTrainer.LinearAlgebra;

/// <summary>Which code computes a head's matrix products (<see cref="Training.TrainerOptions.Gemm"/>).</summary>
public enum GemmBackend
{
    /// <summary>The default: <see cref="Sgemm"/>, this library's packed SIMD kernel, multi-threaded and bit-reproducible.</summary>
    Simd,

    /// <summary>
    /// MathNet's linear-algebra provider: its native OpenBLAS provider where that loads (see <see cref="MathNetGemm"/>;
    /// it does not on Linux), else MathNet's managed code, about an order of magnitude slower than <see cref="Simd"/>.
    /// A reference and a fallback; its sums are rounded differently, so heads differ from Simd's in the last bits.
    /// </summary>
    MathNet,
}

/// <summary>
/// The dense matrix products of a head: C = alpha * op(A) * op(B) + beta * C on column-major arrays that hold
/// exactly their matrix (leading dimension = row count), with op(A) m x k and op(B) k x n.
/// The layers are given one when the head is built and call it directly. This replaces a MathNet provider
/// installed process-wide: MathNet's Matrix methods always use the global LinearAlgebraControl.Provider, so a
/// provider cannot be chosen per head without changing every MathNet user in the process, and
/// ILinearAlgebraProvider has hundreds of members over four element types where the head needs this one.
/// </summary>
internal interface IGemm
{
    void Multiply(bool transA, bool transB, int m, int n, int k, float alpha, float[] a, float[] b, float beta, float[] c);

    /// <summary>
    /// The same products without threads of their own, for a caller that runs several at once (one per core) and would
    /// otherwise have each start its own; the same sums, so the same results. Default: this one.
    /// </summary>
    IGemm OnCallingThread => this;
}

internal static class Gemm
{
    /// <summary>The default backend, <see cref="GemmBackend.Simd"/>.</summary>
    public static IGemm Simd { get; } = new SimdGemm(-1);

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="backend"/> is not a defined value.</exception>
    public static IGemm For(GemmBackend backend) => backend switch
    {
        GemmBackend.Simd => Simd,
        GemmBackend.MathNet => MathNetGemm.Preferred,
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "Unknown GEMM backend."),
    };

    /// <param name="maxThreads">Sgemm's thread cap: -1 every core, 1 the calling thread.</param>
    private sealed class SimdGemm(int maxThreads) : IGemm
    {
        public void Multiply(bool transA, bool transB, int m, int n, int k, float alpha, float[] a, float[] b, float beta, float[] c) =>
            Sgemm.Multiply(transA, transB, m, n, k, alpha, a, Math.Max(1, transA ? k : m), b, Math.Max(1, transB ? n : k), beta, c, Math.Max(1, m), maxThreads);

        public IGemm OnCallingThread => maxThreads == 1 ? this : new SimdGemm(1);

        public override string ToString() => $"SIMD SGEMM ({Sgemm.Best})";
    }
}
