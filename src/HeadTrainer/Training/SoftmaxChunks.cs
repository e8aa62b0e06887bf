using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using OnnxTransfer.Features;
using OnnxTransfer.HeadTrainer.LinearAlgebra;
using OnnxTransfer.HeadTrainer.Model;

namespace OnnxTransfer.HeadTrainer.Training;

/// <summary>
/// <see cref="FullBatchPass"/>'s chunks for a softmax head on AVX-512: logits, the weighted and smoothed cross-entropy
/// (<see cref="LossFunction"/>'s) and its gradient in one sweep, with the rows packed once for <see cref="PanelTile"/>.
/// </summary>
/// <remarks>
/// Through the layer, a pass over the Caltech-sized probe (5,816 x 256, 101 classes) spent a third in the softmax (a
/// row at a time, in double) and most of the rest packing the same rows into the GEMM's panels again for each of its
/// two products, with 17 classes filling 17 of the kernel's 32 rows. Here a chunk's rows are packed once per solve in
/// both layouts the products read: blocks of 32 rows for the logits (rows along the kernel's 32, classes along its 12),
/// and panels of 32 features for the kernel's gradient, which reads the softmax's gradient where it was written. The
/// softmax runs on 16 rows per vector (<see cref="Softmax"/>). 17 classes cost 18 columns (a 6-wide tile for the
/// tail), not 24. Memory: twice the rows (once in a pass for probabilities only; within the caller's gathered bytes, else a chunk per core packed on each
/// pass), per core a chunk's logits and 16 rows' exponentials (as floats), per slot a kernel gradient. A report's
/// probabilities (<see cref="Probabilities(int, int, Span{float})"/>) come from the same rows and the same softmax.
/// The hot methods are compiled optimized at once: a solve is seconds, and under tiered compilation the first fits of a
/// process ran them unoptimized (a flowers17 probe 0.2 s on its second fit against 0.06 s once tiered up).
/// </remarks>
internal sealed unsafe class SoftmaxChunks : FullBatchPass.IChunks
{
    private const int Tile = PanelTile.Rows;      // rows in a block of the logits' product, features in a panel of the gradient's
    private const int Panel = 12;                 // classes in a panel; a tail of 6 or fewer gets a panel of 6
    private const int Lanes = 16;                 // floats in a Vector512

    /// <summary>Whether a pass with <paramref name="loss"/> runs here: a softmax, and AVX-512 for the kernel.</summary>
    public static bool Runs(LossFunction loss) => loss.Kind == LossKind.Softmax && Sgemm.IsAccelerated(SgemmKernel.Vector512);

    private readonly FeatureSet _data;
    private readonly int[] _rows;
    private readonly int _width, _classes, _widthPad, _classPad;
    private readonly float _smoothing;
    private readonly bool _gradients;
    private readonly int[][] _labels;      // per chunk, padded to whole blocks
    private readonly float[][] _weights;   // per chunk: the row's class weight, 0 on padding
    private readonly float[][]? _byBlock, _byPanel;
    private readonly float[] _kernel, _bias;
    private readonly Buffers[] _buffers;
    private float[][] _kernelGradients = [], _biasGradients = []; // per slot: [class][feature], padded
    private bool _zeroKernel; // the loaded kernel is all zeros

    /// <param name="gradients">False for a pass that only gives probabilities: the rows are packed for the logits alone.</param>
    public SoftmaxChunks(FeatureSet data, int[] rows, LossFunction loss, int classes, int workers, long gatheredBytes, bool gradients = true)
    {
        if (loss.Kind != LossKind.Softmax) throw new ArgumentException("SoftmaxChunks computes a softmax loss.", nameof(loss));
        (_data, _rows, _classes, _width, _smoothing) = (data, rows, classes, data.Width, loss.LabelSmoothing);
        _widthPad = RoundUp(_width, Tile);
        _classPad = classes % Panel is > 0 and <= 6 ? classes / Panel * Panel + 6 : RoundUp(classes, Panel);
        int chunks = (rows.Length + FullBatchPass.ChunkRows - 1) / FullBatchPass.ChunkRows;
        _labels = new int[chunks][];
        _weights = new float[chunks][];
        for (int c = 0; c < chunks; c++)
        {
            int first = c * FullBatchPass.ChunkRows, count = FullBatchPass.Rows(c, rows.Length);
            _labels[c] = new int[RoundUp(count, Tile)];
            _weights[c] = new float[_labels[c].Length];
            for (int j = 0; j < count; j++)
            {
                int label = data.Labels[rows[first + j]];
                _labels[c][j] = label;
                _weights[c][j] = loss.ClassWeights is { } w ? w[label] : 1f;
            }
        }
        _gradients = gradients;
        if ((gradients ? 2L : 1L) * rows.Length * _widthPad * sizeof(float) <= gatheredBytes)
        {
            var (byBlock, byPanel) = (new float[chunks][], new float[chunks][]);
            // On the pass's cores: packing 5,816 rows took 9 ms on one, two passes' worth.
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = workers }, c =>
            {
                int length = _labels[c].Length * _widthPad;
                Pack(c, byBlock[c] = new float[length], byPanel[c] = gradients ? new float[length] : []);
            });
            (_byBlock, _byPanel) = (byBlock, byPanel);
        }
        _kernel = new float[_widthPad * _classPad];
        _bias = new float[_classPad];
        _buffers = Enumerable.Range(0, workers).Select(_ => new Buffers(_widthPad, _classPad, packs: _byBlock is null, gradients)).ToArray();
    }

    /// <summary>The kernel into panels of 12 classes, feature-major ([panel][feature][class]); padding stays zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Load(DenseLayer layer)
    {
        var w = layer.Kernel.Value;
        for (int o = 0; o < _classes; o++)
        {
            int start = o / Panel * Panel, columns = Columns(start);
            for (int i = 0; i < _width; i++) _kernel[start * _widthPad + i * columns + o - start] = w[i + o * _width];
        }
        layer.Bias.Value.CopyTo(_bias, 0);
        _zeroKernel = !w.AsSpan().ContainsAnyExcept(0f);
    }

    public long ResultFloats => (long)(_widthPad + 1) * _classPad;

    public void Hold(int slots)
    {
        if (!_gradients) throw new InvalidOperationException("This pass was built for probabilities only: its rows are not packed for the gradient.");
        _kernelGradients = Enumerable.Range(0, slots).Select(_ => new float[_widthPad * _classPad]).ToArray();
        _biasGradients = Enumerable.Range(0, slots).Select(_ => new float[_classPad]).ToArray();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Run(int worker, int chunk, int slot)
    {
        var buffers = _buffers[worker];
        int rowsPad = _labels[chunk].Length, blocks = rowsPad / Tile;
        var (byBlock, byPanel) = _byBlock is null ? Pack(chunk, buffers.ByBlock, buffers.ByPanel) : (_byBlock[chunk], _byPanel![chunk]);
        var sum = Vector512<double>.Zero;
        fixed (float* rowsByBlock = byBlock, rowsByPanel = byPanel, kernel = _kernel, bias = _bias, weights = _weights[chunk])
        fixed (float* logits = buffers.Logits, kernelGradient = _kernelGradients[slot])
        fixed (int* labels = _labels[chunk])
        fixed (float* scratch = buffers.Exponentials)
        {
            // Logits ([block][class][row in block]) for each block of 32 rows, then its softmax, in place.
            for (int b = 0; b < blocks; b++)
            {
                float* z = logits + (long)b * _classPad * Tile;
                BlockLogits(rowsByBlock + (long)b * _widthPad * Tile, kernel, z);
                for (int half = 0; half < Tile; half += Lanes)
                    sum += Softmax(z + half, bias, labels + b * Tile + half, weights + b * Tile + half, scratch);
            }
            BiasGradient(logits, blocks, _biasGradients[slot]);
            for (int t = 0; t < _widthPad; t += Tile)
                for (int c = 0; c < _classPad; c += Panel) // the gradient read where the softmax left it, a block of 32 rows at a time
                    Product<BlockColumnMajor>(c, rowsPad, rowsByPanel + (long)t * rowsPad, logits + c * Tile, (_classPad - 1) * Tile, kernelGradient + t + (long)c * _widthPad, _widthPad);
        }
        return Vector512.Sum(sum) / _rows.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Probabilities(int worker, int chunk, Span<float> into)
    {
        var buffers = _buffers[worker];
        int count = FullBatchPass.Rows(chunk, _rows.Length), blocks = _labels[chunk].Length / Tile;
        var byBlock = _byBlock is null ? Pack(chunk, buffers.ByBlock, buffers.ByPanel).ByBlock : _byBlock[chunk];
        double loss = 0;
        fixed (float* rowsByBlock = byBlock, kernel = _kernel, bias = _bias, logits = buffers.Logits, weights = _weights[chunk])
        fixed (int* labels = _labels[chunk])
        fixed (float* scratch = buffers.Exponentials)
        {
            for (int b = 0; b < blocks; b++)
            {
                float* z = logits + (long)b * _classPad * Tile;
                BlockLogits(rowsByBlock + (long)b * _widthPad * Tile, kernel, z);
                for (int first = b * Tile; first < Math.Min(count, (b + 1) * Tile); first += Lanes)
                    loss += Vector512.Sum(Probabilities(z + first % Tile, bias, labels + first, weights + first, scratch, into[(first * _classes)..], Math.Min(Lanes, count - first)));
            }
        }
        return loss / _rows.Length;
    }

    /// <summary>
    /// A block of 32 rows' logits without the bias, [class][row in block], every class panel against its rows; zeros
    /// without the product for a kernel of zeros, where a solve starts (its first pass half the cost). The features are
    /// finite (the readers refuse others), so that is the product's value.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void BlockLogits(float* block, float* kernel, float* z)
    {
        if (_zeroKernel) new Span<float>(z, _classPad * Tile).Clear();
        else for (int c = 0; c < _classPad; c += Panel) Product<StepMajor>(c, _widthPad, block, kernel + (long)c * _widthPad, 0, z + c * Tile, Tile);
    }

    /// <summary>
    /// The softmax of 16 rows' logits (class o at z + 32 o) with the bias, as the pass takes it (<see cref="Softmax"/>),
    /// into <paramref name="into"/> row-major for the first <paramref name="rows"/>; returns their weight × loss.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Vector512<double> Probabilities(float* z, float* bias, int* labelsAt, float* weightsAt, float* scratch, Span<float> into, int rows)
    {
        double* sums = stackalloc double[Sums];
        var loss = Exponentials(z, bias, labelsAt, weightsAt, scratch, sums);
        var inverse = Vector512.Narrow(Vector512<double>.One / Vector512.Load(sums), Vector512<double>.One / Vector512.Load(sums + 8));
        for (int o = 0; o < _classes; o++)
        {
            var p = Vector512.Load(scratch + o * Lanes) * inverse;
            for (int r = 0; r < rows; r++) into[r * _classes + o] = p.GetElement(r);
        }
        return loss;
    }

    /// <remarks>
    /// In vectors, each element's double taken once and the slots added to it in order (the same sums as a slot at a
    /// time): added one element at a time, the 12 chunks' gradients of a Caltech-sized pass were 4 % of it.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddGradients(int slots, int part, int parts, double[] kernel, double[] bias)
    {
        int w = Vector<float>.Count, half = Vector<double>.Count;
        for (int o = part * _classes / parts; o < (part + 1) * _classes / parts; o++)
        {
            var to = kernel.AsSpan(o * _width, _width);
            int i = 0;
            for (; i <= _width - w; i += w)
            {
                var (low, high) = (new Vector<double>(to[i..]), new Vector<double>(to[(i + half)..]));
                for (int slot = 0; slot < slots; slot++)
                {
                    var v = new Vector<float>(_kernelGradients[slot], o * _widthPad + i);
                    (low, high) = (low + Vector.WidenLower(v), high + Vector.WidenUpper(v));
                }
                low.CopyTo(to[i..]);
                high.CopyTo(to[(i + half)..]);
            }
            for (; i < _width; i++)
                for (int slot = 0; slot < slots; slot++) to[i] += _kernelGradients[slot][o * _widthPad + i];
            for (int slot = 0; slot < slots; slot++) bias[o] += _biasGradients[slot][o];
        }
    }

    /// <summary>
    /// Turns 16 rows' logits (class o at z + 32 o; the bias added here) into the gradient of Σ weight × loss / n, and
    /// returns weight × loss for those rows (padding has weight 0), as <see cref="LossFunction"/> computes them.
    /// </summary>
    /// <remarks>
    /// The exponentials are float32 (<see cref="Exp(Vector512{float})"/>, 16 rows a vector) and everything they are
    /// summed into is double: each class's probability e / Σe and gradient are then good to float32's rounding, and what
    /// needs more is done in double. That is the true class's gradient p - 1 = -(Σe - e_y) / Σe: a row the head fits
    /// well has p ≈ 1 there, and p - 1 taken in float32 is good only to 6e-8 absolute; on features shifted by 40 (the
    /// centring's test) that held the gradient near 2e-6 and took 60 to 150 iterations against 13. In double throughout
    /// (8 rows a vector) the softmax was a quarter of the pass (Caltech-sized probe, perf, 2026-12-02).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Vector512<double> Softmax(float* z, float* bias, int* labelsAt, float* weightsAt, float* scratch)
    {
        double* sums = stackalloc double[Sums];
        var loss = Exponentials(z, bias, labelsAt, weightsAt, scratch, sums);
        var (weightLow, weightHigh) = Vector512.Widen(Vector512.Load(weightsAt));
        var (scaleLow, scaleHigh) = (weightLow / _rows.Length, weightHigh / _rows.Length);
        var (inverseLow, inverseHigh) = (scaleLow / Vector512.Load(sums), scaleHigh / Vector512.Load(sums + 8));
        double e0 = _smoothing, spread = e0 / _classes;
        var inverse = Vector512.Narrow(inverseLow, inverseHigh);
        var off = Vector512.Narrow(scaleLow * spread, scaleHigh * spread);
        for (int o = 0; o < _classes; o++)
            (Vector512.Load(scratch + o * Lanes) * inverse - off).Store(z + o * Tile);
        // The true class's in double: e_y / Σe - 1 keeps its digits when p ≈ 1.
        var gradientLow = Vector512.Load(sums + Lanes) * inverseLow - scaleLow * spread - scaleLow * (1 - e0);
        var gradientHigh = Vector512.Load(sums + Lanes + 8) * inverseHigh - scaleHigh * spread - scaleHigh * (1 - e0);
        for (int r = 0; r < 8; r++)
        {
            z[labelsAt[r] * Tile + r] = (float)gradientLow.GetElement(r);
            z[labelsAt[r + 8] * Tile + r + 8] = (float)gradientHigh.GetElement(r);
        }
        return loss;
    }

    /// <summary>Doubles <see cref="Exponentials"/> leaves for 16 rows: Σe, then the true class's e.</summary>
    private const int Sums = 2 * Lanes;

    /// <summary>
    /// Adds the bias to 16 rows' logits (in place), their exponentials e^(z - max) into <paramref name="scratch"/>
    /// (class o at 16 o), each row's Σe and true class's e into <paramref name="sums"/>; returns the rows' weight × loss.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Vector512<double> Exponentials(float* z, float* bias, int* labelsAt, float* weightsAt, float* scratch, double* sums)
    {
        var max = Vector512.Create(float.NegativeInfinity);
        for (int o = 0; o < _classes; o++)
        {
            var v = Vector512.Load(z + o * Tile) + Vector512.Create(bias[o]);
            v.Store(z + o * Tile);
            max = Vector512.Max(max, v);
        }
        Vector512<double> totalLow = default, totalHigh = default, allLow = default, allHigh = default;
        bool smoothing = _smoothing != 0;
        for (int o = 0; o < _classes; o++)
        {
            var v = Vector512.Load(z + o * Tile);
            var e = Exp(v - max);
            e.Store(scratch + o * Lanes);
            var (low, high) = Vector512.Widen(e);
            (totalLow, totalHigh) = (totalLow + low, totalHigh + high);
            if (!smoothing) continue;
            (low, high) = Vector512.Widen(v);
            (allLow, allHigh) = (allLow + low, allHigh + high);
        }
        totalLow.Store(sums);
        totalHigh.Store(sums + 8);
        // The true class's logit and exponential, row by row.
        double* target = stackalloc double[Lanes];
        for (int r = 0; r < Lanes; r++)
        {
            int label = labelsAt[r];
            target[r] = z[label * Tile + r];
            sums[Lanes + r] = scratch[label * Lanes + r];
        }
        var (maxLow, maxHigh) = Vector512.Widen(max);
        var (weightLow, weightHigh) = Vector512.Widen(Vector512.Load(weightsAt));
        double e0 = _smoothing, spread = e0 / _classes;
        // Σ_k t_k (logSum - z_k) with t = (1 - e) onehot + e / K, as LossFunction: logSum - (1 - e) z_y - e mean(z).
        return (Vector512.Log(totalLow) + maxLow - Vector512.Load(target) * (1 - e0) - allLow * spread) * weightLow
            + (Vector512.Log(totalHigh) + maxHigh - Vector512.Load(target + 8) * (1 - e0) - allHigh * spread) * weightHigh;
    }

    /// <summary>
    /// e^x in float32 for x ≤ 0, within 2e-7 relative (a few float32 roundings): 2^k × e^r with |r| ≤ ln 2 / 2 and e^r
    /// to its degree-7 Taylor polynomial (remainder below |r|^8 / 8! = 5e-9); x is clamped at -87, short of float32's
    /// smallest normal number, where e^x is zero to the gradient.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.Max(x, Vector512.Create(-87f));
        const float ln2High = 0.693145751953125f, ln2Low = 1.42860677e-6f; // ln 2 in two parts: k ln2High is exact
        var k = Vector512.Round(x * (float)(1 / Math.Log(2)));
        var r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-ln2Low), Vector512.FusedMultiplyAdd(k, Vector512.Create(-ln2High), x));
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(1f / 5040), r, Vector512.Create(1f / 720));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 120));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 24));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        var twoToK = Vector512.ShiftLeft(Vector512.ConvertToInt32(k) + Vector512.Create(127), 23).AsSingle();
        return p * twoToK;
    }

    /// <summary>Each class's gradient summed over the chunk's rows, block by block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BiasGradient(float* gradient, int blocks, float[] into)
    {
        for (int o = 0; o < _classes; o++)
        {
            var sum = Vector512<float>.Zero;
            for (int b = 0; b < blocks; b++)
            {
                float* at = gradient + (long)b * _classPad * Tile + o * Tile;
                sum += Vector512.Load(at) + Vector512.Load(at + Lanes);
            }
            into[o] = Vector512.Sum(sum);
        }
    }

    /// <summary>
    /// The chunk's rows in the two layouts: blocks of 32 rows ([block][feature][row in block]) and panels of 32 features
    /// ([panel][row][feature in panel]), zero past the rows and features. Compiled optimized at once, as the pass's own
    /// loops are: a solve packs each chunk once, too few calls for tiering to promote it through a process's first fits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (float[] ByBlock, float[] ByPanel) Pack(int chunk, float[] byBlock, float[] byPanel)
    {
        int first = chunk * FullBatchPass.ChunkRows, count = FullBatchPass.Rows(chunk, _rows.Length), rowsPad = _labels[chunk].Length;
        Array.Clear(byBlock);
        Array.Clear(byPanel); // empty in a pass for probabilities only
        for (int j = 0; j < count; j++)
        {
            var row = _data.Row(_rows[first + j]);
            var block = byBlock.AsSpan(j / Tile * _widthPad * Tile + j % Tile);
            for (int i = 0; i < _width; i++) block[i * Tile] = row[i];
            for (int t = 0; t < _width && byPanel.Length > 0; t += Tile)
                row[t..Math.Min(_width, t + Tile)].CopyTo(byPanel.AsSpan(t * rowsPad + j * Tile));
        }
        return (byBlock, byPanel);
    }

    /// <summary>The width of the class panel starting at <paramref name="start"/>: 12, or 6 for a short tail.</summary>
    private int Columns(int start) => Math.Min(Panel, _classPad - start);

    /// <summary>The tile of the class panel at <paramref name="start"/>, in its width.</summary>
    private void Product<TLayout>(int start, int kc, float* a, float* b, int blockJump, float* c, int ldc) where TLayout : struct, IPanelLayout
    {
        if (Columns(start) == Panel) PanelTile.Run<TwelveColumns, TLayout>(kc, a, b, blockJump, c, ldc, 1f, overwrite: true);
        else PanelTile.Run<SixColumns, TLayout>(kc, a, b, blockJump, c, ldc, 1f, overwrite: true);
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>A core's buffers, sized for a whole chunk.</summary>
    private sealed class Buffers(int widthPad, int classPad, bool packs, bool gradients)
    {
        public float[] ByBlock { get; } = packs ? new float[FullBatchPass.ChunkRows * widthPad] : [];
        public float[] ByPanel { get; } = packs && gradients ? new float[FullBatchPass.ChunkRows * widthPad] : [];
        public float[] Logits { get; } = new float[FullBatchPass.ChunkRows * classPad];
        public float[] Exponentials { get; } = new float[Lanes * classPad];
    }
}
