using Microsoft.ML.OnnxRuntime;

namespace OnnxTransfer.Extractor.Runtime;

/// <summary>
/// Runs a graph whose input is one decoded photo of any size, uint8 [1,H,W,3] (a classifier exported for raw photos):
/// photos differ in size, so each is its own run. Thread-safe, as ONNX Runtime's Run is.
/// </summary>
internal sealed class PhotoRunner(ModelSession session, string inputName, string outputName)
{
    /// <summary>The first output's values for the photo <paramref name="rgb"/> (height x width x 3 bytes).</summary>
    /// <exception cref="OnnxTransferException">ONNX Runtime cannot run the model on this input (ORT's reason inside).</exception>
    public float[] Run(byte[] rgb, int width, int height)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(rgb, [1, height, width, 3]);
        using var runOptions = new RunOptions();
        try
        {
            using var results = session.Session.Run(runOptions, [inputName], [input], [outputName]);
            return results[0].GetTensorDataAsSpan<float>().ToArray();
        }
        catch (OnnxRuntimeException e)
        {
            throw OrtErrors.CannotRun(OrtErrors.NameOf(session.Session), e);
        }
    }
}
