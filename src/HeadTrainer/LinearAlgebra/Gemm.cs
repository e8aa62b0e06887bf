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
}

internal static class Gemm
{
    /// <summary>The default backend, <see cref="GemmBackend.Simd"/>.</summary>
    public static IGemm Simd { get; } = new SimdGemm();

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="backend"/> is not a defined value.</exception>
    public static IGemm For(GemmBackend backend) => backend switch
    {
        GemmBackend.Simd => Simd,
        GemmBackend.MathNet => MathNetGemm.Preferred,
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "Unknown GEMM backend."),
    };

    private sealed class SimdGemm : IGemm
    {
        public void Multiply(bool transA, bool transB, int m, int n, int k, float alpha, float[] a, float[] b, float beta, float[] c) =>
            Sgemm.Multiply(transA, transB, m, n, k, alpha, a, Math.Max(1, transA ? k : m), b, Math.Max(1, transB ? n : k), beta, c, Math.Max(1, m));

        public override string ToString() => $"SIMD SGEMM ({Sgemm.Best})";
    }
}
