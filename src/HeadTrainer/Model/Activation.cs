namespace OnnxTransfer.HeadTrainer.Model;

/// <summary>Output activations, computed the way the exported ONNX graph does (softmax with max subtraction).</summary>
internal static class Activation
{
    /// <summary>
    /// Column-major logits (outputs x n) -> row-major probabilities (n x K): softmax over K, or for a binary
    /// head (one logit z) [1 - sigmoid(z), sigmoid(z)].
    /// </summary>
    public static void Probabilities(ReadOnlySpan<float> logits, int outputs, int n, bool binary, Span<float> probabilities)
    {
        for (int j = 0; j < n; j++)
        {
            var z = logits.Slice(j * outputs, outputs);
            if (binary)
            {
                float p = Sigmoid(z[0]);
                probabilities[j * 2] = 1f - p;
                probabilities[j * 2 + 1] = p;
                continue;
            }
            var dst = probabilities.Slice(j * outputs, outputs);
            float max = float.NegativeInfinity;
            foreach (float v in z) max = MathF.Max(max, v);
            float sum = 0f;
            for (int c = 0; c < outputs; c++) { dst[c] = MathF.Exp(z[c] - max); sum += dst[c]; }
            for (int c = 0; c < outputs; c++) dst[c] /= sum;
        }
    }

    public static float Sigmoid(float z) => z >= 0 ? 1f / (1f + MathF.Exp(-z)) : MathF.Exp(z) / (1f + MathF.Exp(z));
}
