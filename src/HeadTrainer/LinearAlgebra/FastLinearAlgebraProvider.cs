using System.Reflection;
using System.Runtime.ExceptionServices;
using MathNet.Numerics.Providers.LinearAlgebra;

namespace OnnxTransfer.HeadTrainer.LinearAlgebra;

/// <summary>
/// MathNet's managed linear-algebra provider with the single-precision matrix products routed to
/// <see cref="Sgemm"/>. MathNet stays the API: Matrix&lt;float&gt;.Multiply, TransposeThisAndMultiply and
/// TransposeAndMultiply on dense matrices all end in the provider's MatrixMultiplyWithUpdate.
/// MathNet 5 seals ManagedLinearAlgebraProvider, so instead of subclassing it this is a
/// <see cref="DispatchProxy"/> over ILinearAlgebraProvider that forwards every other call to it.
/// </summary>
public class FastLinearAlgebraProvider : DispatchProxy
{
    private static readonly object Gate = new();
    private static ILinearAlgebraProvider? _fast;
    private ILinearAlgebraProvider _inner = null!;

    /// <summary>The provider in use before <see cref="Install"/>, i.e. MathNet's default managed one.</summary>
    public static ILinearAlgebraProvider Managed { get; } = CreateManaged();

    /// <summary>Installs the fast provider as MathNet's global provider (idempotent, thread-safe).</summary>
    public static ILinearAlgebraProvider Install()
    {
        lock (Gate)
        {
            _fast ??= Create(Managed);
            LinearAlgebraControl.Provider = _fast;
            return _fast;
        }
    }

    /// <summary>Puts MathNet's own managed provider back (benchmarks compare against it).</summary>
    public static void Uninstall()
    {
        lock (Gate) LinearAlgebraControl.Provider = Managed;
    }

    private static ILinearAlgebraProvider CreateManaged()
    {
        LinearAlgebraControl.UseDefault();
        return LinearAlgebraControl.Provider;
    }

    private static ILinearAlgebraProvider Create(ILinearAlgebraProvider inner)
    {
        var proxy = DispatchProxy.Create<ILinearAlgebraProvider, FastLinearAlgebraProvider>();
        ((FastLinearAlgebraProvider)(object)proxy)._inner = inner;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        args ??= [];
        if (args.Length == 11 && targetMethod.Name == nameof(ILinearAlgebraProvider<float>.MatrixMultiplyWithUpdate) && args[3] is float[])
        {
            MultiplyWithUpdate((Transpose)args[0]!, (Transpose)args[1]!, (float)args[2]!, (float[])args[3]!, (int)args[4]!,
                (int)args[5]!, (float[])args[6]!, (int)args[7]!, (int)args[8]!, (float)args[9]!, (float[])args[10]!);
            return null;
        }
        if (args.Length == 7 && targetMethod.Name == nameof(ILinearAlgebraProvider<float>.MatrixMultiply) && args[0] is float[])
        {
            MultiplyWithUpdate(Transpose.DontTranspose, Transpose.DontTranspose, 1f, (float[])args[0]!, (int)args[1]!, (int)args[2]!,
                (float[])args[3]!, (int)args[4]!, (int)args[5]!, 0f, (float[])args[6]!);
            return null;
        }
        if (targetMethod.Name == nameof(ToString) && args.Length == 0) return "Managed + SIMD SGEMM";
        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    private static void MultiplyWithUpdate(
        Transpose transposeA, Transpose transposeB, float alpha, float[] a, int rowsA, int columnsA,
        float[] b, int rowsB, int columnsB, float beta, float[] c)
    {
        // MathNet passes the stored (untransposed) shapes; storage is column-major with leading dimension = row count.
        bool ta = transposeA != Transpose.DontTranspose;
        bool tb = transposeB != Transpose.DontTranspose;
        int m = ta ? columnsA : rowsA;
        int k = ta ? rowsA : columnsA;
        int kb = tb ? columnsB : rowsB;
        int n = tb ? rowsB : columnsB;
        if (k != kb) throw new ArgumentException($"Matrix dimensions must agree: op(A) is {m}x{k}, op(B) is {kb}x{n}.");
        Sgemm.Multiply(ta, tb, m, n, k, alpha, a, Math.Max(1, rowsA), b, Math.Max(1, rowsB), beta, c, Math.Max(1, m));
    }
}
