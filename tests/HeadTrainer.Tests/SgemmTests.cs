using MathNet.Numerics.LinearAlgebra.Single;
using OnnxTransfer.HeadTrainer.LinearAlgebra;
using OnnxTransfer.HeadTrainer.Training;
using Xunit;

namespace OnnxTransfer.HeadTrainer.Tests;

public class SgemmTests
{
    private static float[] Random(Rng rng, int n) => Enumerable.Range(0, n).Select(_ => (float)rng.NextGaussian()).ToArray();

    /// <summary>Column-major reference in double.</summary>
    private static double Op(float[] x, int ld, bool trans, int r, int c) => trans ? x[c + r * ld] : x[r + c * ld];

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(17, 7, 5)]
    [InlineData(33, 13, 300)]   // k crosses the 256 block
    [InlineData(97, 199, 61)]   // m crosses the 96 row block; with 2+ threads C is split into parts
    [InlineData(130, 3, 517)]
    public void Matches_naive_triple_loop_for_every_transpose(int m, int n, int k)
    {
        var rng = new Rng((ulong)(m * 1000 + n * 10 + k));
        // beta = 0 must overwrite C, NaN included (BLAS), without reading it; 1 and -0.5 accumulate.
        foreach (float beta in new[] { -0.5f, 0f, 1f })
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
            {
                int lda = (ta ? k : m) + 2, ldb = (tb ? n : k) + 1, ldc = m + 3;
                var a = Random(rng, lda * (ta ? m : k));
                var b = Random(rng, ldb * (tb ? k : n));
                var c = Random(rng, ldc * n);
                if (beta == 0f)
                    for (int j = 0; j < n; j++) c.AsSpan(j * ldc, m).Fill(float.NaN);
                var c0 = (float[])c.Clone();
                const float alpha = 0.75f;
                Sgemm.Multiply(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
                for (int j = 0; j < n; j++)
                    for (int i = 0; i < m; i++)
                    {
                        double s = 0;
                        for (int p = 0; p < k; p++) s += Op(a, lda, ta, i, p) * Op(b, ldb, tb, p, j);
                        double expected = alpha * s + (beta == 0f ? 0 : beta * c0[i + j * ldc]);
                        // float32 accumulation over k terms of unit-variance products: error grows like sqrt(k) eps.
                        Assert.True(Math.Abs(c[i + j * ldc] - expected) <= 1e-5 * Math.Sqrt(k) * 10 + 1e-5 * Math.Abs(expected),
                            $"beta={beta} ta={ta} tb={tb} ({i},{j}): {c[i + j * ldc]} vs {expected}");
                    }
                for (int j = 0; j < n; j++) // padding rows of C untouched
                    for (int i = m; i < ldc; i++) Assert.Equal(c0[i + j * ldc], c[i + j * ldc]);
            }
    }

    [Fact]
    public void Mathnet_products_through_the_installed_provider_match_naive_and_are_thread_count_independent()
    {
        FastLinearAlgebraProvider.Install();
        var rng = new Rng(7);
        var a = new DenseMatrix(71, 300, Random(rng, 71 * 300));
        var b = new DenseMatrix(300, 45, Random(rng, 300 * 45));
        var bt = new DenseMatrix(45, 300, Random(rng, 45 * 300));
        var at = new DenseMatrix(300, 71, Random(rng, 300 * 71));
        void Check(MathNet.Numerics.LinearAlgebra.Matrix<float> got, Func<int, int, double> expected)
        {
            for (int i = 0; i < got.RowCount; i++)
                for (int j = 0; j < got.ColumnCount; j++)
                    Assert.True(Math.Abs(got[i, j] - expected(i, j)) <= 2e-3, $"({i},{j}) {got[i, j]} vs {expected(i, j)}");
        }
        Check(a * b, (i, j) => Enumerable.Range(0, 300).Sum(p => (double)a[i, p] * b[p, j]));
        Check(a.TransposeAndMultiply(bt), (i, j) => Enumerable.Range(0, 300).Sum(p => (double)a[i, p] * bt[j, p]));
        Check(at.TransposeThisAndMultiply(b), (i, j) => Enumerable.Range(0, 300).Sum(p => (double)at[p, i] * b[p, j]));

        // Wide C is split into column parts, tall narrow C into row parts: both must give the serial bits.
        foreach (var (m, n, k) in new[] { (300, 400, 700), (1000, 12, 300) })
        {
            var big = Random(rng, m * k);
            var other = Random(rng, k * n);
            var one = new float[m * n];
            var many = new float[m * n];
            Sgemm.Multiply(false, false, m, n, k, 1f, big, m, other, k, 0f, one, m, maxThreads: 1);
            Sgemm.Multiply(false, false, m, n, k, 1f, big, m, other, k, 0f, many, m, maxThreads: 4);
            Assert.Equal(one, many);
        }
    }
}
