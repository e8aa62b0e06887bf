namespace OnnxTransfer.Extractor.Imaging;

/// <summary>
/// Pillow's resampling kernels (Resample.c), with their support at a scale of 1. Each formula is written the way
/// Pillow evaluates it, operation for operation, because a different but equal expression can round differently
/// and move a pixel across a rounding boundary.
/// </summary>
internal sealed class PilFilter
{
    private readonly Func<double, double> _weight;

    private PilFilter(Func<double, double> weight, double support)
    {
        _weight = weight;
        Support = support;
    }

    public double Support { get; }

    public double Weight(double x) => _weight(x);

    public static PilFilter For(Interpolation interpolation) => interpolation switch
    {
        Interpolation.PilBilinear => Bilinear,
        Interpolation.PilBicubic => Bicubic,
        Interpolation.PilLanczos => Lanczos,
        _ => throw new ArgumentOutOfRangeException(nameof(interpolation), interpolation, "not a Pillow convolution filter"),
    };

    private static readonly PilFilter Bilinear = new(x =>
    {
        if (x < 0.0) x = -x;
        return x < 1.0 ? 1.0 - x : 0.0;
    }, 1.0);

    private static readonly PilFilter Bicubic = new(x =>
    {
        const double a = -0.5;
        if (x < 0.0) x = -x;
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }, 2.0);

    private static readonly PilFilter Lanczos = new(x => -3.0 <= x && x < 3.0 ? Sinc(x) * Sinc(x / 3) : 0.0, 3.0);

    private static double Sinc(double x)
    {
        if (x == 0.0) return 1.0;
        x *= Math.PI;
        return Math.Sin(x) / x;
    }
}
