using MathNet.Numerics.Providers;
using MathNet.Numerics.Providers.LinearAlgebra;

namespace OnnxTransfer.HeadTrainer.LinearAlgebra;

/// <summary>
/// <see cref="IGemm"/> on a MathNet linear-algebra provider instance, called directly rather than installed as
/// MathNet's process-wide provider: choosing it changes nothing for other MathNet users in the process.
/// </summary>
internal sealed class MathNetGemm(ILinearAlgebraProvider provider) : IGemm
{
    private const string OpenBlasControlType =
        "MathNet.Numerics.Providers.OpenBLAS.LinearAlgebra.OpenBlasLinearAlgebraControl, MathNet.Numerics.Providers.OpenBLAS";

    private static readonly Lazy<MathNetGemm> PreferredGemm = new(() => new MathNetGemm(TryCreateOpenBlas() ?? ManagedLinearAlgebraProvider.Instance));

    public ILinearAlgebraProvider Provider { get; } = provider;

    /// <summary>MathNet's managed provider: the reference the benchmarks and tests compare <see cref="Sgemm"/> with.</summary>
    public static MathNetGemm Managed { get; } = new(ManagedLinearAlgebraProvider.Instance);

    /// <summary>Native OpenBLAS where MathNet's provider for it loads, else <see cref="Managed"/>; probed once.</summary>
    public static MathNetGemm Preferred => PreferredGemm.Value;

    /// <summary>
    /// What Control.TryUseNativeOpenBLAS() does (probe the provider assembly by name, IsAvailable, InitializeVerify)
    /// without its last step, making the provider MathNet's global one. Null here, on two counts: this project does
    /// not reference MathNet.Numerics.Providers.OpenBLAS, and that package's native half, libMathNetNumericsOpenBLAS
    /// (MathNet's own wrapper, so a system libopenblas.so does not do), is published on NuGet for Windows only.
    /// A user who builds the wrapper for Linux, references the package and puts both on the probing path gets it.
    /// </summary>
    private static ILinearAlgebraProvider? TryCreateOpenBlas()
    {
        try
        {
            var provider = new ProviderProbe<ILinearAlgebraProvider>(OpenBlasControlType).TryCreate();
            if (provider is null || !provider.IsAvailable()) return null;
            provider.InitializeVerify();
            return provider;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException or NotSupportedException or TypeLoadException)
        {
            return null; // present but not loadable (missing or wrong native library, too old a revision): the managed provider does the work
        }
    }

    public void Multiply(bool transA, bool transB, int m, int n, int k, float alpha, float[] a, float[] b, float beta, float[] c)
    {
        // MathNet takes the stored (untransposed) shapes and arrays of exactly that size.
        var ta = transA ? Transpose.Transpose : Transpose.DontTranspose;
        var tb = transB ? Transpose.Transpose : Transpose.DontTranspose;
        Provider.MatrixMultiplyWithUpdate(ta, tb, alpha, a, transA ? k : m, transA ? m : k, b, transB ? n : k, transB ? k : n, beta, c);
    }

    public override string ToString() => $"MathNet {Provider}";
}
