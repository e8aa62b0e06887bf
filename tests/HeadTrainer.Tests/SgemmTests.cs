using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using OnnxTransfer.HeadTrainer.LinearAlgebra;
using OnnxTransfer.HeadTrainer.Training;
using Xunit;

namespace OnnxTransfer.HeadTrainer.Tests;

/// <summary>
/// A [Fact] for the Vector512 SGEMM kernel: it runs where Vector512 is hardware-accelerated with AVX-512F and is
/// otherwise reported as skipped with the reason, so a machine that cannot run the kernel does not pass silently.
/// The condition is spelled out here rather than taken from <see cref="Sgemm.IsAccelerated"/>, the code under test.
/// </summary>
public sealed class Vector512FactAttribute : FactAttribute
{
    public Vector512FactAttribute()
    {
        if (!(Vector512.IsHardwareAccelerated && Avx512F.IsSupported))
            Skip = "skipped: this CPU does not accelerate Vector512 with AVX-512F, so the 32x12 Vector512 SGEMM kernel cannot run here";
    }
}

/// <summary>
/// Each SGEMM micro-kernel, forced, against a double-precision triple loop, against the others, and across thread counts.
/// Tolerance against the exact product, per element: 2 (k + 4) u (|alpha| sum_p |op(A)_ip op(B)_pj| + |beta c_ij|) with
/// u = 2^-24, i.e. twice the worst-case rounding bound of a float32 dot product of k terms (k u times the sum of the
/// terms' magnitudes) plus the roundings of alpha, beta and the per-block adds. Random data stays far below it; a
/// missing, doubled or misplaced term is far above it (about 0.02 for k = 517 against terms of about 0.6).
/// </summary>
public class SgemmTests
{
    private const double U = 1.0 / (1 << 24);

    /// <summary>Shapes (m, n, k) chosen not to fit the tiles: 32x12, 16x6 and 8x4 micro-tiles, row blocks of 96, k blocks of 256.</summary>
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1),
        (1, 37, 19),    // a row vector: every tile is an edge tile one row high
        (41, 1, 23),    // a column vector
        (6, 50, 1),     // k = 1
        (17, 7, 5),     // just over one tile of the narrow kernels, inside one of the wide kernel
        (33, 13, 300),  // k crosses the 256 block
        (45, 25, 257),  // k one past a block: the second block is one step deep
        (97, 199, 61),  // m crosses the 96 row block, and with 4 threads C is cut into column parts
        (130, 3, 517),  // n under every tile width, k over two blocks
    ];

    private static float[] Random(Rng rng, int n) => Enumerable.Range(0, n).Select(_ => (float)rng.NextGaussian()).ToArray();

    /// <summary>Column-major element (r, c) of op(X).</summary>
    private static double Op(float[] x, int ld, bool trans, int r, int c) => trans ? x[c + r * ld] : x[r + c * ld];

    private sealed record Case(int M, int N, int K, bool TransA, bool TransB, float Alpha, float Beta, float[] A, int Lda, float[] B, int Ldb, float[] C0, int Ldc)
    {
        public float[] Run(SgemmKernel kernel, int maxThreads = 4)
        {
            var c = (float[])C0.Clone();
            Sgemm.Multiply(kernel, TransA, TransB, M, N, K, Alpha, A, Lda, B, Ldb, Beta, c, Ldc, maxThreads);
            return c;
        }

        /// <summary>The exact product in double, and the tolerance of the class comment for element (i, j).</summary>
        public (double Value, double Tolerance) Expected(int i, int j)
        {
            double sum = 0, magnitude = 0;
            for (int p = 0; p < K; p++)
            {
                double term = Op(A, Lda, TransA, i, p) * Op(B, Ldb, TransB, p, j);
                sum += term;
                magnitude += Math.Abs(term);
            }
            // beta = 0 overwrites C without reading it (it holds NaN then).
            double old = Beta == 0f ? 0 : Beta * (double)C0[i + j * Ldc];
            return (Alpha * sum + old, 2 * (K + 4) * U * (Math.Abs(Alpha) * magnitude + Math.Abs(old)));
        }
    }

    /// <summary>Every shape, transpose, alpha in {1, -0.75} and beta in {0, 1, -0.5}, with padded leading dimensions.</summary>
    private static IEnumerable<Case> Cases()
    {
        foreach (var (m, n, k) in Shapes)
        {
            var rng = new Rng((ulong)(m * 1_000_000 + n * 1000 + k));
            foreach (float alpha in new[] { 1f, -0.75f })
                foreach (float beta in new[] { 0f, 1f, -0.5f })
                    foreach (bool ta in new[] { false, true })
                        foreach (bool tb in new[] { false, true })
                        {
                            int lda = (ta ? k : m) + 2, ldb = (tb ? n : k) + 1, ldc = m + 3;
                            var c = Random(rng, ldc * n);
                            if (beta == 0f)
                                for (int j = 0; j < n; j++) c.AsSpan(j * ldc, m).Fill(float.NaN);
                            yield return new Case(m, n, k, ta, tb, alpha, beta, Random(rng, lda * (ta ? m : k)), lda, Random(rng, ldb * (tb ? k : n)), ldb, c, ldc);
                        }
        }
    }

    private static string Describe(Case s, int i, int j) =>
        $"{s.M}x{s.N}x{s.K} transA={s.TransA} transB={s.TransB} alpha={s.Alpha} beta={s.Beta} at ({i},{j})";

    /// <summary>The kernel against the triple loop on every case, and its bits the same on 1 and 4 threads.</summary>
    private static void CheckKernel(SgemmKernel kernel)
    {
        foreach (var s in Cases())
        {
            var c = s.Run(kernel);
            for (int j = 0; j < s.N; j++)
            {
                for (int i = 0; i < s.M; i++)
                {
                    var (expected, tolerance) = s.Expected(i, j);
                    float got = c[i + j * s.Ldc];
                    Assert.True(Math.Abs(got - expected) <= tolerance,
                        $"{kernel} {Describe(s, i, j)}: {got} vs {expected}, tolerance {tolerance:G3}");
                }
                for (int i = s.M; i < s.Ldc; i++) // the padding rows of C are not C's
                    Assert.Equal(s.C0[i + j * s.Ldc], c[i + j * s.Ldc]);
            }
        }

        // Wide C is cut into column parts, tall narrow C into row parts; alpha != 1 and beta != 0 so that C is
        // updated in every k block. Parts are whole micro-tiles, so the sums are the serial ones, bit for bit.
        var rng = new Rng(7);
        foreach (var (m, n, k) in new[] { (300, 400, 700), (1000, 12, 300) })
        {
            var s = new Case(m, n, k, false, false, -0.75f, 0.5f, Random(rng, m * k), m, Random(rng, k * n), k, Random(rng, m * n), m);
            Assert.Equal(s.Run(kernel, maxThreads: 1), s.Run(kernel, maxThreads: 4));
        }
    }

    /// <summary>
    /// Two kernels on every case. With FMA (x86 FMA3; every AVX-512 CPU has it) every kernel sums each element in
    /// the same order with fused multiply-adds, so for alpha = 1, the only alpha the head uses, they agree bit for
    /// bit. For other alpha, edge tiles round alpha * sum once more than full tiles do, which tiles are edge ones
    /// depends on the tile size, and the kernels then agree to twice the tolerance against the exact product.
    /// </summary>
    private static void CheckAgree(SgemmKernel kernel, SgemmKernel other)
    {
        foreach (var s in Cases())
        {
            float[] x = s.Run(kernel), y = s.Run(other);
            if (s.Alpha == 1f && Fma.IsSupported)
            {
                Assert.True(x.AsSpan().SequenceEqual(y), $"{kernel} and {other} differ in bits on {Describe(s, 0, 0)}");
                continue;
            }
            for (int j = 0; j < s.N; j++)
                for (int i = 0; i < s.M; i++)
                {
                    double tolerance = 2 * s.Expected(i, j).Tolerance;
                    Assert.True(Math.Abs(x[i + j * s.Ldc] - y[i + j * s.Ldc]) <= tolerance,
                        $"{Describe(s, i, j)}: {kernel} {x[i + j * s.Ldc]} vs {other} {y[i + j * s.Ldc]}, tolerance {tolerance:G3}");
                }
        }
    }

    [Fact]
    public void Scalar_kernel_matches_a_double_precision_triple_loop() => CheckKernel(SgemmKernel.Scalar);

    [Fact]
    public void Vector256_kernel_matches_a_double_precision_triple_loop() => CheckKernel(SgemmKernel.Vector256);

    [Vector512Fact]
    public void Vector512_kernel_matches_a_double_precision_triple_loop() => CheckKernel(SgemmKernel.Vector512);

    [Fact]
    public void Scalar_and_Vector256_kernels_agree() => CheckAgree(SgemmKernel.Scalar, SgemmKernel.Vector256);

    [Vector512Fact]
    public void Vector512_kernel_agrees_with_the_Vector256_and_scalar_kernels()
    {
        CheckAgree(SgemmKernel.Vector512, SgemmKernel.Vector256);
        CheckAgree(SgemmKernel.Vector512, SgemmKernel.Scalar);
    }

    [Fact]
    public void The_default_kernel_is_the_widest_this_CPU_accelerates()
    {
        // Were this to fall back to a narrower kernel, every product would still be right, only slower: no other test would notice.
        var expected = Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? SgemmKernel.Vector512
            : Vector256.IsHardwareAccelerated ? SgemmKernel.Vector256 : SgemmKernel.Scalar;
        Assert.Equal(expected, Sgemm.Best);
    }
}
