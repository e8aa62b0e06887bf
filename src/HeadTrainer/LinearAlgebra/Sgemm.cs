using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace OnnxTransfer.HeadTrainer.LinearAlgebra;

/// <summary>The micro-kernels <see cref="Sgemm"/> can run. Tests force each one; everything else gets <see cref="Sgemm.Best"/>.</summary>
internal enum SgemmKernel
{
    /// <summary>8x4 tile of scalar multiply-adds: CPUs where Vector256 is not accelerated (Arm64, x86 without AVX2).</summary>
    Scalar,

    /// <summary>16x6 tile, two Vector256 of A per k step, 12 of 16 ymm registers as accumulators.</summary>
    Vector256,

    /// <summary>32x12 tile, two Vector512 of A per k step, 24 of 32 zmm registers as accumulators; needs AVX-512F.</summary>
    Vector512,
}

/// <summary>
/// Single-precision GEMM with BLAS semantics on column-major storage:
/// C = alpha * op(A) * op(B) + beta * C, op(X) = X or X^T.
/// Goto-style: B is packed into kc x NR panels, A into MR x kc panels, and a register-blocked
/// micro-kernel accumulates in registers (<see cref="SgemmKernel"/>: 32x12 with Vector512 where AVX-512 is
/// accelerated, else 16x6 with Vector256, else 8x4 scalar).
/// Every kernel adds the products of one element in the same order (one multiply-add chain over p per k block,
/// fused where the CPU has FMA), so with FMA they give the same bits whenever alpha is 1 or C is stored rather
/// than updated; otherwise they differ by a rounding on edge tiles, which add alpha * sum to C in two roundings
/// where full tiles use one FMA.
/// Work is split over rectangles of C only, never over k, and the rectangles are whole micro-tiles, so every
/// element of C is summed in the same order whatever the thread count: results are bit-for-bit reproducible.
/// </summary>
internal static unsafe class Sgemm
{
    private const int KC = 256;
    private const int MC = 96;     // a whole number of MR for every kernel
    private const int NC = 3072;   // a whole number of NR for every kernel
    private const int PartAlign = 12; // parts of C are whole micro-tiles wide for every kernel (NR = 12, 6, 4)
    private const int PartsPerThread = 4;

    /// <summary>The kernel Multiply runs without a kernel argument: the widest this CPU accelerates.</summary>
    internal static SgemmKernel Best { get; } =
        IsAccelerated(SgemmKernel.Vector512) ? SgemmKernel.Vector512 :
        IsAccelerated(SgemmKernel.Vector256) ? SgemmKernel.Vector256 : SgemmKernel.Scalar;

    /// <summary>
    /// Whether <paramref name="kernel"/> runs in hardware here. The Vector512 kernel calls AVX-512F directly and
    /// cannot run without it; the Vector256 one runs anywhere (.NET emulates Vector256 in software), just slowly.
    /// </summary>
    internal static bool IsAccelerated(SgemmKernel kernel) => kernel switch
    {
        SgemmKernel.Vector512 => Vector512.IsHardwareAccelerated && Avx512F.IsSupported,
        SgemmKernel.Vector256 => Vector256.IsHardwareAccelerated,
        _ => true,
    };

    /// <summary>Below this many multiply-adds the work runs on the calling thread.</summary>
    private const long ParallelThreshold = 1L << 20;

    /// <summary>
    /// Column-major C (m x n, leading dimension ldc) = alpha * op(A) * op(B) + beta * C, where op(A) is
    /// m x k and op(B) is k x n; A and B are stored column-major with leading dimensions lda and ldb.
    /// </summary>
    public static void Multiply(
        bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc, int maxThreads = -1) =>
        Multiply(Best, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, maxThreads);

    /// <summary>
    /// <see cref="Multiply(bool, bool, int, int, int, float, float[], int, float[], int, float, float[], int, int)"/>
    /// with the micro-kernel chosen by the caller (tests run each one). The choice is made once per call: below
    /// this method everything is specialised for the kernel's tile size, with no dispatch in the loops.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException"><paramref name="kernel"/> is Vector512 on a CPU without AVX-512F.</exception>
    internal static void Multiply(
        SgemmKernel kernel, bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc, int maxThreads = -1)
    {
        if (kernel == SgemmKernel.Vector512 && !IsAccelerated(kernel))
            throw new PlatformNotSupportedException("The Vector512 SGEMM kernel needs AVX-512F, which this CPU does not accelerate.");
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (m == 0 || n == 0) return;
        CheckExtent(c.Length, m, n, ldc, nameof(c));
        if (k > 0)
        {
            CheckExtent(a.Length, transA ? k : m, transA ? m : k, lda, nameof(a));
            CheckExtent(b.Length, transB ? n : k, transB ? k : n, ldb, nameof(b));
        }
        if (k == 0 || alpha == 0f)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }
        // With beta = 0 the first k block stores into C instead of adding to it: no pass to clear C and no
        // reading it back. For a weight gradient (25,088 x 1,024 from a batch of 64) those were most of the cost.
        if (beta != 0f) ScaleC(m, n, beta, c, ldc);

        int threads = maxThreads > 0 ? maxThreads : Environment.ProcessorCount;
        if ((long)m * n * k < ParallelThreshold) threads = 1;
        var job = new Job(transA, transB, a, lda, b, ldb, c, ldc, k, alpha, Overwrite: beta == 0f);
        switch (kernel)
        {
            case SgemmKernel.Vector512: Run<Kernel32x12>(job, m, n, threads); break;
            case SgemmKernel.Vector256: Run<Kernel16x6>(job, m, n, threads); break;
            default: Run<Kernel8x4>(job, m, n, threads); break;
        }
    }

    private static void Run<TKernel>(Job job, int m, int n, int threads) where TKernel : struct, IMicroKernel
    {
        if (threads == 1)
        {
            RunPart<TKernel>(job, 0, m, 0, n);
            return;
        }
        // Independent slabs of C, a few per thread so a thread that falls behind is made up for:
        // no barrier per k block. Each part packs its own A and B, so C is cut along its longer side:
        // the operand packed again by every part is then the smaller one.
        int parts = PartsPerThread * threads;
        int colParts = n >= m ? Math.Min(parts, (n + PartAlign - 1) / PartAlign) : 1;
        int rowParts = n >= m ? 1 : Math.Min(parts, (m + MC - 1) / MC);
        int partCols = RoundUp((n + colParts - 1) / colParts, PartAlign);
        int partRows = RoundUp((m + rowParts - 1) / rowParts, MC);
        colParts = (n + partCols - 1) / partCols;
        rowParts = (m + partRows - 1) / partRows;
        Parallel.For(0, rowParts * colParts, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int i0 = t / colParts * partRows, j0 = t % colParts * partCols;
            RunPart<TKernel>(job, i0, Math.Min(m, i0 + partRows), j0, Math.Min(n, j0 + partCols));
        });
    }

    private sealed record Job(bool TransA, bool TransB, float[] A, int Lda, float[] B, int Ldb, float[] C, int Ldc, int K, float Alpha, bool Overwrite);

    /// <summary>C[i0..i1, j0..j1] (+)= alpha * op(A)[i0..i1, :] * op(B)[:, j0..j1], on the calling thread.</summary>
    private static void RunPart<TKernel>(Job s, int i0, int i1, int j0, int j1) where TKernel : struct, IMicroKernel
    {
        int ncMax = Math.Min(NC, j1 - j0), kcMax = Math.Min(KC, s.K);
        float[] packedB = ArrayPool<float>.Shared.Rent(RoundUp(ncMax, TKernel.NR) * kcMax);
        float[] packedA = ArrayPool<float>.Shared.Rent(MC * kcMax);
        try
        {
            for (int jc = j0; jc < j1; jc += NC)
            {
                int nc = Math.Min(NC, j1 - jc);
                for (int pc = 0; pc < s.K; pc += KC)
                {
                    int kc = Math.Min(KC, s.K - pc);
                    PackB<TKernel>(s.TransB, s.B, s.Ldb, pc, kc, jc, nc, packedB);
                    for (int ic = i0; ic < i1; ic += MC)
                    {
                        int mc = Math.Min(MC, i1 - ic);
                        PackA<TKernel>(s.TransA, s.A, s.Lda, ic, mc, pc, kc, packedA);
                        MacroKernel<TKernel>(packedA, packedB, s.C, s.Ldc, ic, mc, jc, nc, kc, s.Alpha, s.Overwrite && pc == 0);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packedA);
            ArrayPool<float>.Shared.Return(packedB);
        }
    }

    /// <summary>C[ic..ic+mc, jc..jc+nc] += (or, with overwrite, =) alpha * packed A block * packed B panel, tile by tile.</summary>
    private static void MacroKernel<TKernel>(float[] packedA, float[] packedB, float[] c, int ldc, int ic, int mc, int jc, int nc, int kc, float alpha, bool overwrite)
        where TKernel : struct, IMicroKernel
    {
        float* edge = stackalloc float[TKernel.MR * TKernel.NR];
        fixed (float* pa0 = packedA)
        fixed (float* pb0 = packedB)
        fixed (float* c0 = c)
        {
            for (int jr = 0; jr < nc; jr += TKernel.NR)
            {
                int nr = Math.Min(TKernel.NR, nc - jr);
                float* pb = pb0 + (long)jr * kc;
                for (int ir = 0; ir < mc; ir += TKernel.MR)
                {
                    int mr = Math.Min(TKernel.MR, mc - ir);
                    float* pa = pa0 + (long)ir * kc;
                    float* cTile = c0 + (ic + ir) + (long)(jc + jr) * ldc;
                    if (mr == TKernel.MR && nr == TKernel.NR)
                    {
                        TKernel.Run(kc, pa, pb, cTile, ldc, alpha, overwrite);
                    }
                    else
                    {
                        TKernel.Run(kc, pa, pb, edge, TKernel.MR, alpha, overwrite: true);
                        for (int j = 0; j < nr; j++)
                            for (int i = 0; i < mr; i++)
                                cTile[i + (long)j * ldc] = overwrite ? edge[i + j * TKernel.MR] : cTile[i + (long)j * ldc] + edge[i + j * TKernel.MR];
                    }
                }
            }
        }
    }

    /// <summary>
    /// A register-blocked micro-kernel: C[0..MR, 0..NR] += (or, with overwrite, =) alpha * sum_p pa[p] (x) pb[p], from
    /// A packed in MR-row strips and B in NR-column strips, p-major. The loops above it are generic over a struct
    /// of this interface, so the JIT compiles them once per kernel with MR and NR as constants and calls Run
    /// directly: choosing a kernel costs nothing per tile.
    /// </summary>
    private interface IMicroKernel
    {
        static abstract int MR { get; }
        static abstract int NR { get; }
        static abstract void Run(int kc, float* pa, float* pb, float* c, int ldc, float alpha, bool overwrite);
    }

    /// <summary><see cref="PanelTile"/>'s 32 x 12 tile on Sgemm's step-major panels.</summary>
    private readonly struct Kernel32x12 : IMicroKernel
    {
        public static int MR => PanelTile.Rows;
        public static int NR => 12;

        /// <summary>C[0..32, 0..12] += (or, with overwrite, =) alpha * sum_p pa[p] (x) pb[p].</summary>
        public static void Run(int kc, float* pa, float* pb, float* c, int ldc, float alpha, bool overwrite) =>
            PanelTile.Run<TwelveColumns, StepMajor>(kc, pa, pb, 0, c, ldc, alpha, overwrite);
    }

    private readonly struct Kernel16x6 : IMicroKernel
    {
        public static int MR => 16;
        public static int NR => 6;

        /// <summary>C[0..16, 0..6] += (or, with overwrite, =) alpha * sum_p pa[p] (x) pb[p].</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Run(int kc, float* pa, float* pb, float* c, int ldc, float alpha, bool overwrite)
        {
            Vector256<float> c00 = default, c10 = default, c01 = default, c11 = default, c02 = default, c12 = default;
            Vector256<float> c03 = default, c13 = default, c04 = default, c14 = default, c05 = default, c15 = default;
            for (int p = 0; p < kc; p++)
            {
                var a0 = Vector256.Load(pa);
                var a1 = Vector256.Load(pa + 8);
                var b = Vector256.Create(pb[0]);
                c00 = MulAdd(a0, b, c00); c10 = MulAdd(a1, b, c10);
                b = Vector256.Create(pb[1]);
                c01 = MulAdd(a0, b, c01); c11 = MulAdd(a1, b, c11);
                b = Vector256.Create(pb[2]);
                c02 = MulAdd(a0, b, c02); c12 = MulAdd(a1, b, c12);
                b = Vector256.Create(pb[3]);
                c03 = MulAdd(a0, b, c03); c13 = MulAdd(a1, b, c13);
                b = Vector256.Create(pb[4]);
                c04 = MulAdd(a0, b, c04); c14 = MulAdd(a1, b, c14);
                b = Vector256.Create(pb[5]);
                c05 = MulAdd(a0, b, c05); c15 = MulAdd(a1, b, c15);
                pa += 16;
                pb += 6;
            }
            var al = Vector256.Create(alpha);
            Store(c, al, c00, c10, overwrite);
            Store(c + ldc, al, c01, c11, overwrite);
            Store(c + 2L * ldc, al, c02, c12, overwrite);
            Store(c + 3L * ldc, al, c03, c13, overwrite);
            Store(c + 4L * ldc, al, c04, c14, overwrite);
            Store(c + 5L * ldc, al, c05, c15, overwrite);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(float* col, Vector256<float> alpha, Vector256<float> lo, Vector256<float> hi, bool overwrite)
        {
            if (overwrite)
            {
                (lo * alpha).Store(col);
                (hi * alpha).Store(col + 8);
                return;
            }
            MulAdd(lo, alpha, Vector256.Load(col)).Store(col);
            MulAdd(hi, alpha, Vector256.Load(col + 8)).Store(col + 8);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
            Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;
    }

    private readonly struct Kernel8x4 : IMicroKernel
    {
        public static int MR => 8;
        public static int NR => 4;

        /// <summary>
        /// Fused where the CPU has an FMA instruction (x86 FMA3, Arm64), as the vector kernels are, so on x86 all
        /// three give the same sums; elsewhere a software fused multiply-add would cost tens of cycles per term.
        /// </summary>
        private static readonly bool HardwareFma = Fma.IsSupported || AdvSimd.IsSupported;

        /// <summary>C[0..8, 0..4] += (or, with overwrite, =) alpha * sum_p pa[p] (x) pb[p].</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Run(int kc, float* pa, float* pb, float* c, int ldc, float alpha, bool overwrite)
        {
            // The 32 sums live in a small stack tile rather than named locals: x64 has 16 scalar float registers,
            // so they would spill anyway, and this path only runs where Vector256 is not accelerated.
            float* acc = stackalloc float[8 * 4];
            new Span<float>(acc, 8 * 4).Clear();
            for (int p = 0; p < kc; p++, pa += 8, pb += 4)
                for (int j = 0; j < 4; j++)
                {
                    float b = pb[j];
                    float* col = acc + j * 8;
                    for (int i = 0; i < 8; i++) col[i] = MulAdd(pa[i], b, col[i]);
                }
            for (int j = 0; j < 4; j++)
            {
                float* dst = c + (long)j * ldc;
                float* col = acc + j * 8;
                for (int i = 0; i < 8; i++) dst[i] = overwrite ? col[i] * alpha : MulAdd(col[i], alpha, dst[i]);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float MulAdd(float a, float b, float c) => HardwareFma ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;
    }

    /// <summary>Packs op(A)[ic..ic+mc, pc..pc+kc] into MR-row strips, p-major, zero-padded.</summary>
    private static void PackA<TKernel>(bool transA, float[] a, int lda, int ic, int mc, int pc, int kc, float[] dst) where TKernel : struct, IMicroKernel
    {
        fixed (float* a0 = a)
        fixed (float* d0 = dst)
        {
            for (int ir = 0; ir < mc; ir += TKernel.MR)
            {
                int mr = Math.Min(TKernel.MR, mc - ir);
                float* strip = d0 + (long)ir * kc;
                if (!transA)
                {
                    // op(A)(i,p) = A[i + p*lda]: each p is a contiguous run of mr floats.
                    for (int p = 0; p < kc; p++)
                        new ReadOnlySpan<float>(a0 + (ic + ir) + (long)(pc + p) * lda, mr).CopyTo(new Span<float>(strip + p * TKernel.MR, mr));
                }
                else
                {
                    // op(A)(i,p) = A[p + i*lda]: each row i is a contiguous run over p. Reading it in that order
                    // (rather than p-major, a 100 KB stride per element for a 25,088-deep kernel) keeps the
                    // reads sequential; the strided writes stay inside the small packed block.
                    for (int i = 0; i < mr; i++)
                    {
                        float* src = a0 + pc + (long)(ic + ir + i) * lda;
                        for (int p = 0; p < kc; p++) strip[p * TKernel.MR + i] = src[p];
                    }
                }
                if (mr < TKernel.MR)
                    for (int p = 0; p < kc; p++) new Span<float>(strip + p * TKernel.MR + mr, TKernel.MR - mr).Clear();
            }
        }
    }

    /// <summary>Packs op(B)[pc..pc+kc, jc..jc+nc] into NR-column strips, p-major, zero-padded.</summary>
    private static void PackB<TKernel>(bool transB, float[] b, int ldb, int pc, int kc, int jc, int nc, float[] dst) where TKernel : struct, IMicroKernel
    {
        // Pointers: the extents were checked in Multiply, and with small m packing costs as much as the
        // multiply-adds, so it runs without bounds checks and with the transpose test out of the loops.
        fixed (float* b0 = b)
        fixed (float* d0 = dst)
        {
            for (int jr = 0; jr < nc; jr += TKernel.NR)
            {
                int nr = Math.Min(TKernel.NR, nc - jr);
                float* d = d0 + (long)jr * kc;
                if (transB)
                {
                    // op(B)(p,j) = B[j + p*ldb]: each p is a contiguous run of nr floats.
                    float* src = b0 + (jc + jr) + (long)pc * ldb;
                    for (int p = 0; p < kc; p++, src += ldb, d += TKernel.NR)
                    {
                        for (int j = 0; j < nr; j++) d[j] = src[j];
                        for (int j = nr; j < TKernel.NR; j++) d[j] = 0f;
                    }
                }
                else
                {
                    // op(B)(p,j) = B[p + j*ldb]: each column j is a contiguous run over p.
                    for (int j = 0; j < TKernel.NR; j++)
                    {
                        if (j < nr)
                        {
                            float* src = b0 + pc + (long)(jc + jr + j) * ldb;
                            for (int p = 0; p < kc; p++) d[p * TKernel.NR + j] = src[p];
                        }
                        else
                        {
                            for (int p = 0; p < kc; p++) d[p * TKernel.NR + j] = 0f;
                        }
                    }
                }
            }
        }
    }

    private static void ScaleC(int m, int n, float beta, float[] c, int ldc)
    {
        if (beta == 1f) return;
        for (int j = 0; j < n; j++)
        {
            var col = c.AsSpan(j * ldc, m);
            if (beta == 0f) col.Clear(); // BLAS: beta = 0 overwrites, even NaN
            else for (int i = 0; i < m; i++) col[i] *= beta;
        }
    }

    private static void CheckExtent(int length, int rows, int cols, int ld, string name)
    {
        if (ld < Math.Max(1, rows))
            throw new ArgumentException($"Leading dimension {ld} is smaller than the row count {rows}.", name);
        if (rows > 0 && cols > 0 && (long)ld * (cols - 1) + rows > length)
            throw new ArgumentException($"Array of {length} elements is too small for a {rows}x{cols} matrix with leading dimension {ld}.", name);
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}
