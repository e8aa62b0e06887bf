using OnnxTransfer.HeadTrainer.Training;
using Xunit;

namespace OnnxTransfer.HeadTrainer.Tests;

/// <summary>The compact form's direction against the two-loop recursion (Nocedal and Wright, algorithm 7.4), written naively in double.</summary>
public class LbfgsHistoryTests
{
    /// <summary>
    /// Random steps on a quadratic with a diagonal of 1 to 50 (so every pair has positive curvature), more of them than the
    /// memory holds so the oldest are dropped, and a few with no curvature, which are refused: after each, the direction is
    /// the recursion's over the pairs kept (rounded to float32, as the history keeps them) within 1e-9 relative, and the
    /// same bits on 1, 2 and 8 cores.
    /// </summary>
    [Theory]
    [InlineData(37, 5, 1)]
    [InlineData(9_000, 7, 8)]     // the last range longer
    public void The_direction_is_the_two_loop_recursions_over_the_pairs_kept_on_any_number_of_cores(int n, int memory, int ranges)
    {
        var rng = new Rng(5);
        var curvature = Enumerable.Range(0, n).Select(_ => 1 + 49 * rng.NextDouble()).ToArray();
        var histories = new[] { 1, 2, 8 }.Select(cores => new LbfgsHistory(n, memory, cores)).ToArray();
        Assert.All(histories, h => Assert.Equal(ranges, h.Parts));
        var kept = new List<(double[] S, double[] Y)>();
        var x = Enumerable.Range(0, n).Select(_ => rng.NextGaussian()).ToArray();
        var g = Gradient(x, curvature);
        for (int step = 0; step < 3 * memory; step++)
        {
            bool flat = step % 5 == 4; // no move: s = y = 0, no curvature
            var xNew = flat ? (double[])x.Clone() : x.Select(v => v + 0.1 * rng.NextGaussian()).ToArray();
            var gNew = Gradient(xNew, curvature);
            foreach (var history in histories) Assert.Equal(!flat, history.Update(xNew, x, gNew, g));
            if (!flat)
            {
                kept.Add((Rounded(xNew, x), Rounded(gNew, g)));
                if (kept.Count > memory) kept.RemoveAt(0);
            }
            (x, g) = (xNew, gNew);
            var expected = TwoLoop(g, kept);
            var directions = histories.Select(h =>
            {
                var d = new double[n];
                double slope = h.Direction(g, d);
                Assert.Equal(Enumerable.Range(0, n).Sum(i => g[i] * d[i]), slope, 1e-9 * Math.Abs(slope));
                return d;
            }).ToArray();
            double scale = expected.Max(Math.Abs);
            for (int i = 0; i < n; i++) Assert.True(Math.Abs(directions[0][i] - expected[i]) <= 1e-9 * scale, $"step {step}, d[{i}] {directions[0][i]} vs {expected[i]}");
            Assert.Equal(directions[0], directions[1]);
            Assert.Equal(directions[0], directions[2]);
            Assert.Equal(kept.Count, histories[0].Count);
        }
    }

    private static double[] Gradient(double[] x, double[] curvature) => x.Select((v, i) => curvature[i] * v).ToArray();

    private static double[] Rounded(double[] a, double[] b) => a.Select((v, i) => (double)(float)(v - b[i])).ToArray();

    /// <summary>d = -H g by the two-loop recursion with H0 = (s'y / y'y) I from the newest pair.</summary>
    private static double[] TwoLoop(double[] g, List<(double[] S, double[] Y)> pairs)
    {
        static double Dot(double[] a, double[] b) => a.Select((v, i) => v * b[i]).Sum();
        var q = (double[])g.Clone();
        if (pairs.Count == 0) return q.Select(v => -v).ToArray();
        var alpha = new double[pairs.Count];
        for (int j = pairs.Count - 1; j >= 0; j--)
        {
            var (s, y) = pairs[j];
            alpha[j] = Dot(s, q) / Dot(s, y);
            for (int i = 0; i < q.Length; i++) q[i] -= alpha[j] * y[i];
        }
        var (sn, yn) = pairs[^1];
        double gamma = Dot(sn, yn) / Dot(yn, yn);
        for (int i = 0; i < q.Length; i++) q[i] *= gamma;
        for (int j = 0; j < pairs.Count; j++)
        {
            var (s, y) = pairs[j];
            double beta = Dot(y, q) / Dot(s, y);
            for (int i = 0; i < q.Length; i++) q[i] += (alpha[j] - beta) * s[i];
        }
        return q.Select(v => -v).ToArray();
    }
}
