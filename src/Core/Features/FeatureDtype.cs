namespace OnnxTransfer.Features;

/// <summary>
/// The precision feature values are stored in. Readers always hand out float32; only the shards' size and the
/// values' precision differ. Each shard records its dtype under <see cref="FeatureFormat.DtypeKey"/>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "A dtype is named by its type, as in NumPy, ONNX and Parquet.")]
public enum FeatureDtype
{
    /// <summary>IEEE single precision, as the model computes them (the default).</summary>
    Float32,

    /// <summary>
    /// IEEE half precision: each value is rounded to the nearest float16 (ties to even, as <see cref="Half"/> converts),
    /// about 3 significant digits and a range of ±65504, for shards about half the size. A finite value beyond that
    /// range is refused when it is written, never stored as infinity. The column stays a Parquet FLOAT column holding
    /// those float16 values, so every Parquet reader reads them as numbers (the README says how they are encoded).
    /// </summary>
    Float16,
}
