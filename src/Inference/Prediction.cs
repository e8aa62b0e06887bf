namespace OnnxTransfer.Inference;

/// <summary>One class and its probability.</summary>
public sealed record ClassProbability(string Class, float Probability);

/// <summary>The class probabilities for one image, in the classifier's class order.</summary>
public sealed class Prediction
{
    private readonly IReadOnlyList<string> _classes;

    public Prediction(string path, float[] probabilities, IReadOnlyList<string> classes)
    {
        Path = path;
        Probabilities = probabilities;
        _classes = classes;
    }

    public string Path { get; }

    public float[] Probabilities { get; }

    public int TopIndex => Array.IndexOf(Probabilities, Probabilities.Max());

    public string TopClass => _classes[TopIndex];

    /// <summary>The k most probable classes, best first (ties keep class order).</summary>
    public IReadOnlyList<ClassProbability> Top(int k) =>
        Probabilities.Select((p, i) => (p, i))
            .OrderByDescending(x => x.p).ThenBy(x => x.i)
            .Take(Math.Min(k, Probabilities.Length))
            .Select(x => new ClassProbability(_classes[x.i], x.p))
            .ToList();
}

/// <summary>A file's outcome when predicting many: a prediction, or the reason it could not be read.</summary>
public sealed record PredictionResult(string Path, Prediction? Prediction, string? Error);
