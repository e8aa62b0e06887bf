using OnnxTransfer.HeadTrainer.Model;
using OnnxTransfer.HeadTrainer.Reporting;
using OnnxTransfer.HeadTrainer.Training;
using Xunit;

namespace OnnxTransfer.HeadTrainer.Tests;

public class OptimizerAndMetricsTests
{
    private static Parameter Param(float w, float g)
    {
        var p = new Parameter("p", 1, regularized: false);
        p.Value[0] = w;
        p.Grad[0] = g;
        return p;
    }

    [Fact]
    public void Sgd_momentum_and_nesterov_follow_keras()
    {
        // Hand-computed, lr 0.1, momentum 0.9, gradients 1 then 2, w0 = 1.
        // v1 = -0.1, w1 = 0.9; v2 = 0.9(-0.1) - 0.2 = -0.29, w2 = 0.61.
        var p = Param(1f, 1f);
        var sgd = new Optimizer(OptimizerKind.Sgd, 0.9f, nesterov: false, 0f);
        sgd.Step([p], 0.1f);
        Assert.Equal(0.9f, p.Value[0], 6);
        p.Grad[0] = 2f;
        sgd.Step([p], 0.1f);
        Assert.Equal(0.61f, p.Value[0], 6);
        // Nesterov: v1 = -0.1, w1 = 1 + 0.9(-0.1) - 0.1 = 0.81; v2 = -0.29, w2 = 0.81 + 0.9(-0.29) - 0.2 = 0.349.
        var q = Param(1f, 1f);
        var nag = new Optimizer(OptimizerKind.Sgd, 0.9f, nesterov: true, 0f);
        nag.Step([q], 0.1f);
        Assert.Equal(0.81f, q.Value[0], 6);
        q.Grad[0] = 2f;
        nag.Step([q], 0.1f);
        Assert.Equal(0.349f, q.Value[0], 5);
    }

    [Theory]
    [InlineData(0f, false)]
    [InlineData(0.9f, false)]
    [InlineData(0.9f, true)]
    public void Sgd_over_a_large_parameter_equals_the_plain_loop_bit_for_bit(float momentum, bool nesterov)
    {
        // 200,003 values: several parallel chunks of 65,536 and a tail shorter than a vector, on random weights and gradients.
        const int n = 200_003;
        var rng = new Rng(9);
        var p = new Parameter("w", n, regularized: true);
        for (int i = 0; i < n; i++) p.Value[i] = (float)rng.NextGaussian();
        var w = (float[])p.Value.Clone();
        var vel = new float[n];
        var sgd = new Optimizer(OptimizerKind.Sgd, momentum, nesterov, 0f);
        foreach (float lr in new[] { 0.1f, 0.03f, 0.01f })
        {
            for (int i = 0; i < n; i++) p.Grad[i] = (float)rng.NextGaussian();
            sgd.Step([p], lr);
            for (int i = 0; i < n; i++)
            {
                if (momentum == 0f) { w[i] -= lr * p.Grad[i]; continue; }
                vel[i] = momentum * vel[i] - lr * p.Grad[i];
                w[i] += nesterov ? momentum * vel[i] - lr * p.Grad[i] : vel[i];
            }
        }
        Assert.Equal(w, p.Value);
    }

    [Theory]
    [InlineData(OptimizerKind.Adam, 0f)]
    [InlineData(OptimizerKind.AdamW, 0.1f)]
    public void Adam_and_adamw_match_hand_computation(OptimizerKind kind, float decay)
    {
        var p = Param(0.5f, 0.2f);
        var opt = new Optimizer(kind, 0f, false, decay);
        double w = 0.5, m = 0, v = 0, lr = 0.01;
        foreach (double g in new[] { 0.2, -0.4, 0.1 })
        {
            p.Grad[0] = (float)g;
            opt.Step([p], (float)lr);
            int t = (int)opt.Iterations;
            w -= lr * decay * w;
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            w -= lr * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t)) * m / (Math.Sqrt(v) + 1e-7);
            Assert.Equal(w, p.Value[0], 6);
        }
    }

    [Fact]
    public void Adam_on_a_large_parameter_matches_a_scalar_float_reference_bit_for_bit()
    {
        // Large and odd-sized: several parallel chunks, SIMD bodies and a scalar tail. The reference is the
        // textbook update in float, one element at a time; elementwise updates must not depend on the split.
        const int n = (1 << 17) + 12345;
        var p = new Parameter("w", n, regularized: true);
        var rng = new Random(5);
        for (int i = 0; i < n; i++) p.Value[i] = rng.NextSingle() - 0.5f;
        float[] w = (float[])p.Value.Clone(), m = new float[n], v = new float[n];
        var opt = new Optimizer(OptimizerKind.Adam, 0f, false, 0f);
        for (int t = 1; t <= 3; t++)
        {
            for (int i = 0; i < n; i++) p.Grad[i] = rng.NextSingle() - 0.5f;
            opt.Step([p], 0.01f);
            float alpha = (float)(0.01f * (Math.Sqrt(1 - Math.Pow(0.999f, t)) / (1 - Math.Pow(0.9f, t))));
            for (int i = 0; i < n; i++)
            {
                float g = p.Grad[i];
                m[i] += (g - m[i]) * (1 - 0.9f);
                v[i] += (g * g - v[i]) * (1 - 0.999f);
                w[i] -= alpha * m[i] / (MathF.Sqrt(v[i]) + 1e-7f);
            }
            Assert.Equal(w, p.Value);
        }
    }

    [Fact]
    public void Schedules_match_their_formulas()
    {
        var step = new LearningRateSchedule { Kind = ScheduleKind.Step, BaseLr = 0.1f, StepSize = 2, Gamma = 0.5f, StepsPerEpoch = 10, TotalSteps = 100 };
        Assert.Equal(0.1f, step.At(19), 6);   // epoch 1
        Assert.Equal(0.05f, step.At(20), 6);  // epoch 2
        Assert.Equal(0.025f, step.At(45), 6); // epoch 4
        var poly = new LearningRateSchedule { Kind = ScheduleKind.Poly, BaseLr = 0.1f, EndLr = 0.01f, Power = 2f, TotalSteps = 100 };
        Assert.Equal((0.1 - 0.01) * 0.25 + 0.01, poly.At(50), 6); // (1 - 50/100)^2 = 0.25
        Assert.Equal(0.01f, poly.At(500), 6);                      // clamped at decay steps
        var cosine = new LearningRateSchedule { Kind = ScheduleKind.Cosine, BaseLr = 0.2f, TotalSteps = 110, WarmupSteps = 10 };
        Assert.Equal(0.2f * 3 / 10, cosine.At(2), 6);              // linear warmup
        Assert.Equal(0.2 * 0.5 * (1 + Math.Cos(Math.PI * 0.25)), cosine.At(35), 6);
        Assert.Equal(0.2f, new LearningRateSchedule { BaseLr = 0.2f }.At(1234), 6);
    }

    [Fact]
    public void Early_stopping_stops_at_the_right_epoch_on_a_scripted_curve()
    {
        // val_loss: best at epoch 3 (0.5); 0.499 at epoch 5 is within min_delta 0.01 so does not count.
        double[] curve = [1.0, 0.7, 0.5, 0.6, 0.499, 0.55, 0.4];
        var stopping = new EarlyStopping(MonitorMetric.ValLoss, patience: 3, minDelta: 0.01);
        int stoppedAt = -1;
        for (int e = 1; e <= curve.Length; e++)
        {
            stopping.Update(e, curve[e - 1]);
            if (stopping.ShouldStop) { stoppedAt = e; break; }
        }
        Assert.Equal(6, stoppedAt);
        Assert.Equal(3, stopping.BestEpoch);
        var acc = new EarlyStopping(MonitorMetric.ValAccuracy, 1, 0);
        Assert.True(acc.Update(1, 0.5));
        Assert.True(acc.Update(2, 0.6));
        Assert.False(acc.Update(3, 0.6));
        Assert.True(acc.ShouldStop);
    }

    [Fact]
    public void Auc_f1_confusion_and_topk_match_hand_computed_values()
    {
        // Binary: scores for class 1 = [0.1, 0.4, 0.35, 0.8], labels [0, 0, 1, 1]: pairs (pos > neg) 3 of 4 -> AUC 0.75.
        float[] p = [0.9f, 0.1f, 0.6f, 0.4f, 0.65f, 0.35f, 0.2f, 0.8f];
        var r = ClassificationReport.Compute([0, 0, 1, 1], p, ["a", "b"], 1);
        Assert.Equal(0.75, r.Auc, 10);
        // argmax: 0, 0, 0, 1 -> confusion [[2,0],[1,1]].
        Assert.Equal([[2, 0], [1, 1]], r.Confusion);
        Assert.Equal(0.75, r.Accuracy, 10);
        Assert.Equal(2.0 / 3, r.PerClass[0].Precision, 10);
        Assert.Equal(1.0, r.PerClass[0].Recall, 10);
        Assert.Equal(0.8, r.PerClass[0].F1, 10);
        Assert.Equal(1.0, r.PerClass[1].Precision, 10);
        Assert.Equal(0.5, r.PerClass[1].Recall, 10);
        Assert.Equal(2.0 / 3, r.PerClass[1].F1, 10);
        Assert.Equal((0.8 + 2.0 / 3) / 2, r.MacroF1, 10);
        Assert.Equal(-(Math.Log(0.9) + Math.Log(0.6) + Math.Log(0.35) + Math.Log(0.8)) / 4, r.LogLoss, 6);

        // Ties get average ranks: scores [0.5, 0.5] for one positive and one negative -> 0.5.
        Assert.Equal(0.5, ClassificationReport.BinaryAuc([0.5f, 0.5f], [true, false]), 10);

        // Three classes: top-2 accuracy and macro one-vs-rest AUC.
        float[] q = [0.5f, 0.3f, 0.2f, 0.1f, 0.2f, 0.7f, 0.3f, 0.4f, 0.3f];
        var m = ClassificationReport.Compute([0, 1, 2], q, ["x", "y", "z"], 2);
        Assert.Equal(1.0 / 3, m.Accuracy, 10);      // predictions 0, 2, 1
        Assert.Equal(2.0 / 3, m.TopKAccuracy, 10);  // sample 1: class 1 ranks second (in); sample 2: class 2 ties class 0 at 0.3 and ranks third (out)
        // OvR: class 0 scores [0.5 | 0.1, 0.3] -> 1; class 1 [0.2 | 0.3, 0.4] -> 0; class 2 [0.3 | 0.2, 0.7] -> 0.5.
        Assert.Equal(0.5, m.Auc, 10);
        Assert.Contains("\"confusion\"", m.ToJson());
        Assert.Equal(m.Accuracy, ClassificationReport.FromJson(m.ToJson()).Accuracy, 12);
    }

    /// <summary>
    /// The radix-sorted AUC against the definition, counted pair by pair (a tie counts a half), on scores with many ties,
    /// negative values and both zeros, over 1 to 3,000 rows.
    /// </summary>
    [Fact]
    public void Auc_equals_the_share_of_positive_negative_pairs_in_order()
    {
        var rng = new Rng(9);
        foreach (int n in new[] { 1, 2, 37, 3000 })
        {
            var scores = Enumerable.Range(0, n).Select(_ => rng.NextFloat() switch
            {
                < 0.1f => 0f,
                < 0.2f => -0f,
                < 0.5f => MathF.Round((float)rng.NextGaussian() * 4) / 4, // ties
                _ => (float)rng.NextGaussian() * 1e3f,
            }).ToArray();
            var positive = Enumerable.Range(0, n).Select(_ => rng.NextFloat() < 0.3f).ToArray();
            double pairs = 0, ordered = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    if (positive[i] && !positive[j])
                    {
                        pairs++;
                        ordered += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                    }
            double auc = ClassificationReport.BinaryAuc(scores, positive);
            if (pairs == 0) Assert.True(double.IsNaN(auc), $"n {n}: {auc}");
            else Assert.Equal(ordered / pairs, auc, 12);
        }
    }

    /// <summary>
    /// The macro one-vs-rest AUC against the definition, class by class and pair by pair, on class sizes that take each
    /// way of computing it: a smaller side of positives or of negatives counted in vectors (at most RocAuc.CountedSide
    /// rows), both sides sorted, a class without rows; scores with ties, both zeros and NaN (below every number).
    /// </summary>
    [Theory]
    [InlineData(new[] { 470, 10, 20 })]          // class 0: 30 negatives counted; classes 1 and 2: positives counted
    [InlineData(new[] { 300, 200, 100, 0 })]      // every class sorted; class 3 has no rows
    [InlineData(new[] { 64, 65, 500 })]           // 64 counted, 65 sorted
    [InlineData(new[] { 400, 37 })]               // binary: class 1's AUC, counted
    [InlineData(new[] { 300, 301 })]              // binary, sorted
    public void Macro_auc_equals_the_definition_whichever_way_each_class_is_computed(int[] sizes)
    {
        var rng = new Rng(17);
        int k = sizes.Length;
        var labels = sizes.SelectMany((count, c) => Enumerable.Repeat(c, count)).OrderBy(_ => rng.NextFloat()).ToArray();
        int n = labels.Length;
        var scores = Enumerable.Range(0, n * k).Select(_ => rng.NextFloat() switch
        {
            < 0.05f => float.NaN,
            < 0.1f => 0f,
            < 0.15f => -0f,
            < 0.5f => MathF.Round((float)rng.NextGaussian() * 4) / 4, // ties
            _ => (float)rng.NextGaussian(),
        }).ToArray();
        var aucs = new List<double>();
        for (int c = k == 2 ? 1 : 0; c < k; c++)
        {
            double pairs = 0, ordered = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    if (labels[i] == c && labels[j] != c)
                    {
                        float a = scores[i * k + c], b = scores[j * k + c];
                        pairs++;
                        // NaN ranks below every number and ties another NaN.
                        ordered += float.IsNaN(a) ? (float.IsNaN(b) ? 0.5 : 0) : float.IsNaN(b) ? 1 : a > b ? 1 : a == b ? 0.5 : 0;
                    }
            if (pairs > 0) aucs.Add(ordered / pairs);
        }
        Assert.Equal(aucs.Average(), ClassificationReport.MacroAuc(labels, scores, k), 12);
    }

    [Fact]
    public void Head_specs_parse_and_bad_ones_list_the_valid_forms()
    {
        Assert.Equal(HeadKind.Linear, HeadSpec.Parse("linear").Kind);
        Assert.Equal([1024, 512], HeadSpec.Parse("mlp:1024,512").Hidden);
        Assert.Equal("bn-dropout", HeadSpec.Parse("bn-dropout").ToString());
        var e = Assert.Throws<OnnxTransferException>(() => HeadSpec.Parse("mlp:10,x"));
        Assert.Contains("linear, mlp:", e.Message);
    }
}
