using System.Globalization;

namespace OnnxTransfer.HeadTrainer.Model;

/// <summary>Head architecture: "linear", "mlp:H1,H2,..." (Dense+ReLU+Dropout per hidden layer) or "bn-dropout" (BatchNorm -> Dropout -> Dense).</summary>
public sealed record HeadSpec(HeadKind Kind, IReadOnlyList<int> Hidden)
{
    public const string ValidForms = "linear, mlp:H1[,H2...] (e.g. mlp:1024,1024), bn-dropout";

    public static HeadSpec Linear { get; } = new(HeadKind.Linear, []);

    public static HeadSpec Parse(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t == "linear") return Linear;
        if (t == "bn-dropout") return new HeadSpec(HeadKind.BatchNormDropout, []);
        if (t.StartsWith("mlp:", StringComparison.Ordinal))
        {
            var parts = t[4..].Split(',');
            var hidden = new List<int>();
            foreach (var p in parts)
            {
                if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int h) || h <= 0) { hidden.Clear(); break; }
                hidden.Add(h);
            }
            if (hidden.Count > 0) return new HeadSpec(HeadKind.Mlp, hidden);
        }
        throw new OnnxTransferException($"Unknown head '{text}'; valid forms: {ValidForms}.");
    }

    public override string ToString() => Kind switch
    {
        HeadKind.Linear => "linear",
        HeadKind.BatchNormDropout => "bn-dropout",
        _ => "mlp:" + string.Join(',', Hidden),
    };
}

public enum HeadKind { Linear, Mlp, BatchNormDropout }
