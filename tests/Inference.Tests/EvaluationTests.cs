using OnnxTransfer.HeadTrainer.Reporting;
using Xunit;

namespace OnnxTransfer.Inference.Tests;

public class EvaluationTests
{
    [Fact]
    public void Worst_takes_the_most_confident_mistakes_as_a_naive_selection_does_ties_included()
    {
        var rng = new Random(5);
        // Probabilities on a coarse grid, so equal predicted (and true) probabilities are common and the tie rules count.
        var wrong = Enumerable.Range(0, 200).Select(i => new Misclassified($"img{rng.Next(1000):D4}_{i}.jpg", "a", "b",
            rng.Next(0, 5) / 10f, rng.Next(5, 11) / 10f)).ToList();
        var evaluation = new Evaluation(ClassificationReport.Compute([0], [1f], ["a"], 1), wrong, []);
        foreach (int n in new[] { 0, 1, 24, 200, 500 })
            Assert.Equal(NaiveWorst(wrong, n), evaluation.Worst(n));
    }

    /// <summary>Repeatedly takes the item no other beats: higher p(predicted), else lower p(true), else the smaller path.</summary>
    private static List<Misclassified> NaiveWorst(List<Misclassified> items, int n)
    {
        var left = new List<Misclassified>(items);
        var taken = new List<Misclassified>();
        static bool Beats(Misclassified a, Misclassified b) =>
            a.PredictedProbability != b.PredictedProbability ? a.PredictedProbability > b.PredictedProbability
            : a.TrueProbability != b.TrueProbability ? a.TrueProbability < b.TrueProbability
            : string.CompareOrdinal(a.Path, b.Path) < 0;
        while (taken.Count < n && left.Count > 0)
        {
            var best = left[0];
            foreach (var m in left)
                if (Beats(m, best)) best = m;
            taken.Add(best);
            left.Remove(best);
        }
        return taken;
    }
}
