using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnnxTransfer.HeadTrainer.LinearAlgebra;

/// <summary>How many columns of C a <see cref="PanelTile"/> computes: 12 (24 zmm accumulators) or 6.</summary>
internal interface ITileColumns
{
    static abstract int Columns { get; }
}

internal readonly struct TwelveColumns : ITileColumns
{
    public static int Columns => 12;
}

/// <summary>The narrow tile, for a tail of 6 or fewer columns: 17 classes are 12 + 6, not 24.</summary>
internal readonly struct SixColumns : ITileColumns
{
    public static int Columns => 6;
}

/// <summary>Where B holds column j of step p.</summary>
internal interface IPanelLayout
{
    /// <summary>Floats from column j to column j + 1 of one step.</summary>
    static abstract int ColumnStride { get; }

    /// <summary>Floats from step p to step p + 1 within a block of <see cref="PanelTile.Block"/> steps.</summary>
    static abstract int StepStride<TColumns>() where TColumns : struct, ITileColumns;
}

/// <summary>B packed step-major: a step's columns side by side (Sgemm's panels, a kernel's classes).</summary>
internal readonly struct StepMajor : IPanelLayout
{
    public static int ColumnStride => 1;
    public static int StepStride<TColumns>() where TColumns : struct, ITileColumns => TColumns.Columns;
}

/// <summary>B column-major in blocks of 32 steps, [block][column][step in block]: a softmax's gradient as its logits were.</summary>
internal readonly struct BlockColumnMajor : IPanelLayout
{
    public static int ColumnStride => PanelTile.Block;
    public static int StepStride<TColumns>() where TColumns : struct, ITileColumns => 1;
}

/// <summary>
/// The AVX-512 micro-kernel: C[0..32, 0..columns] (column j at c + j * ldc) = or += alpha * Σ_p pa[32 p .. 32 p + 32] (x)
/// B[p, 0..columns], two Vector512 of A per step against a broadcast of each of B's columns, one multiply-add chain over p
/// per element. Sgemm runs it on the panels it packs; <see cref="Training.SoftmaxChunks"/> on rows it packs once per solve
/// and on its gradient where the softmax left it, which the B layouts (<see cref="IPanelLayout"/>) read in place.
/// Generic over structs, so the JIT compiles each width and layout with its strides as constants.
/// </summary>
internal static unsafe class PanelTile
{
    /// <summary>Rows of the tile, the floats of A per step.</summary>
    internal const int Rows = 32;

    /// <summary>Steps in a block of B; after each, B's pointer moves on by the caller's jump.</summary>
    internal const int Block = 32;

    /// <summary>Needs AVX-512F (<see cref="Sgemm.IsAccelerated"/> Vector512).</summary>
    /// <param name="blockJump">Floats B's pointer moves after each block of 32 steps, beyond the steps themselves.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TColumns, TLayout>(int kc, float* pa, float* pb, int blockJump, float* c, int ldc, float alpha, bool overwrite)
        where TColumns : struct, ITileColumns
        where TLayout : struct, IPanelLayout
    {
        int j1 = TLayout.ColumnStride, step = TLayout.StepStride<TColumns>();
        bool wide = TColumns.Columns == 12;
        Vector512<float> c00 = default, c10 = default, c01 = default, c11 = default, c02 = default, c12 = default;
        Vector512<float> c03 = default, c13 = default, c04 = default, c14 = default, c05 = default, c15 = default;
        Vector512<float> c06 = default, c16 = default, c07 = default, c17 = default, c08 = default, c18 = default;
        Vector512<float> c09 = default, c19 = default, c0a = default, c1a = default, c0b = default, c1b = default;
        for (int p0 = 0; p0 < kc; p0 += Block, pb += blockJump)
        {
            for (int p = 0, end = Math.Min(Block, kc - p0); p < end; p++, pa += Rows, pb += step)
            {
                var a0 = Vector512.Load(pa);
                var a1 = Vector512.Load(pa + 16);
                var b = Vector512.Create(pb[0]);
                c00 = Avx512F.FusedMultiplyAdd(a0, b, c00); c10 = Avx512F.FusedMultiplyAdd(a1, b, c10);
                b = Vector512.Create(pb[j1]);
                c01 = Avx512F.FusedMultiplyAdd(a0, b, c01); c11 = Avx512F.FusedMultiplyAdd(a1, b, c11);
                b = Vector512.Create(pb[2 * j1]);
                c02 = Avx512F.FusedMultiplyAdd(a0, b, c02); c12 = Avx512F.FusedMultiplyAdd(a1, b, c12);
                b = Vector512.Create(pb[3 * j1]);
                c03 = Avx512F.FusedMultiplyAdd(a0, b, c03); c13 = Avx512F.FusedMultiplyAdd(a1, b, c13);
                b = Vector512.Create(pb[4 * j1]);
                c04 = Avx512F.FusedMultiplyAdd(a0, b, c04); c14 = Avx512F.FusedMultiplyAdd(a1, b, c14);
                b = Vector512.Create(pb[5 * j1]);
                c05 = Avx512F.FusedMultiplyAdd(a0, b, c05); c15 = Avx512F.FusedMultiplyAdd(a1, b, c15);
                if (!wide) continue;
                b = Vector512.Create(pb[6 * j1]);
                c06 = Avx512F.FusedMultiplyAdd(a0, b, c06); c16 = Avx512F.FusedMultiplyAdd(a1, b, c16);
                b = Vector512.Create(pb[7 * j1]);
                c07 = Avx512F.FusedMultiplyAdd(a0, b, c07); c17 = Avx512F.FusedMultiplyAdd(a1, b, c17);
                b = Vector512.Create(pb[8 * j1]);
                c08 = Avx512F.FusedMultiplyAdd(a0, b, c08); c18 = Avx512F.FusedMultiplyAdd(a1, b, c18);
                b = Vector512.Create(pb[9 * j1]);
                c09 = Avx512F.FusedMultiplyAdd(a0, b, c09); c19 = Avx512F.FusedMultiplyAdd(a1, b, c19);
                b = Vector512.Create(pb[10 * j1]);
                c0a = Avx512F.FusedMultiplyAdd(a0, b, c0a); c1a = Avx512F.FusedMultiplyAdd(a1, b, c1a);
                b = Vector512.Create(pb[11 * j1]);
                c0b = Avx512F.FusedMultiplyAdd(a0, b, c0b); c1b = Avx512F.FusedMultiplyAdd(a1, b, c1b);
            }
        }
        var al = Vector512.Create(alpha);
        Store(c, al, c00, c10, overwrite);
        Store(c + ldc, al, c01, c11, overwrite);
        Store(c + 2L * ldc, al, c02, c12, overwrite);
        Store(c + 3L * ldc, al, c03, c13, overwrite);
        Store(c + 4L * ldc, al, c04, c14, overwrite);
        Store(c + 5L * ldc, al, c05, c15, overwrite);
        if (!wide) return;
        Store(c + 6L * ldc, al, c06, c16, overwrite);
        Store(c + 7L * ldc, al, c07, c17, overwrite);
        Store(c + 8L * ldc, al, c08, c18, overwrite);
        Store(c + 9L * ldc, al, c09, c19, overwrite);
        Store(c + 10L * ldc, al, c0a, c1a, overwrite);
        Store(c + 11L * ldc, al, c0b, c1b, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* col, Vector512<float> alpha, Vector512<float> lo, Vector512<float> hi, bool overwrite)
    {
        if (overwrite)
        {
            (lo * alpha).Store(col);
            (hi * alpha).Store(col + 16);
            return;
        }
        Avx512F.FusedMultiplyAdd(lo, alpha, Vector512.Load(col)).Store(col);
        Avx512F.FusedMultiplyAdd(hi, alpha, Vector512.Load(col + 16)).Store(col + 16);
    }
}
