using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DuckDB.NET.Data;
using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Features;
using OnnxTransfer.Tests;
using Xunit;
using Xunit.Abstractions;

namespace OnnxTransfer.Extractor.Tests.Extraction;

/// <summary>
/// `Dtype` float16: values rounded to nearest-even float16 (against hand-worked bit patterns and NumPy), read back as
/// float32 by this tool and by DuckDB, out-of-range values refused, and resume and mixed folders kept apart by dtype.
/// </summary>
public class Float16Tests(ITestOutputHelper output)
{
    private static ExtractionOptions Options(FeatureDtype dtype, int imagesPerShard = 1024, bool overwrite = false) => new()
    {
        ModelName = "tiny", BatchSize = 3, DecodeWorkers = 2, Threads = 1, ImagesPerShard = imagesPerShard, Overwrite = overwrite, Dtype = dtype,
    };

    /// <summary>Writes <paramref name="values"/> as float16 rows of <paramref name="width"/> (images img0.jpg, img1.jpg...) into one shard.</summary>
    private static string WriteRows(string dir, float[] values, int width, FeatureDtype dtype = FeatureDtype.Float16)
    {
        int n = values.Length / width;
        var rows = new ShardRows([width], n);
        for (int r = 0; r < n; r++) rows.Items.Add(new RowKey($"img{r}.jpg", "", FeatureFormat.NoLabel, ""));
        values.CopyTo(rows.Features[0], 0);
        string path = Path.Combine(dir, FeatureFormat.ShardName(0));
        new FeatureWriter(["x"], new Dictionary<string, string>(), dtype).Write(rows, path);
        return path;
    }

    /// <summary>What ShardReader hands out for a shard of rows of <paramref name="width"/> values of layer "x".</summary>
    private static float[] ReadRows(string path, int width)
    {
        using var reader = ShardReader.Open(path, "fix it");
        var values = new float[reader.RowCount * width];
        int done = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            int n = reader.GroupRows(g);
            reader.ReadGroup(g, [("x", width, values.AsMemory(done * width, n * width))]);
            done += n;
        }
        return values;
    }

    private static float FromBits(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    [Fact]
    public void Rounding_to_float16_matches_hand_worked_bit_patterns()
    {
        // value, the float16 bits it must round to (1 sign, 5 exponent bits of bias 15, 10 mantissa bits)
        (float Value, ushort Bits)[] cases =
        [
            (1f, 0x3C00), (-2.5f, 0xC100), (0.1f, 0x2E66), (-0f, 0x8000), (65504f, 0x7BFF),
            (65519f, 0x7BFF),                              // below the midpoint 65520: the largest half, not infinity
            (1 + MathF.Pow(2, -11), 0x3C00),               // a tie between 0x3C00 and 0x3C01: to the even one
            (1 + 3 * MathF.Pow(2, -11), 0x3C02),           // a tie between 0x3C01 and 0x3C02: to the even one
            (MathF.Pow(2, -14), 0x0400),                   // the smallest normal half
            (MathF.Pow(2, -14) - MathF.Pow(2, -24), 0x03FF), // the largest subnormal
            (MathF.Pow(2, -24), 0x0001),                   // the smallest subnormal
            (MathF.Pow(2, -25), 0x0000),                   // half of it: a tie, to even zero
            (3 * MathF.Pow(2, -26), 0x0001),               // three quarters of it
            (3 * MathF.Pow(2, -25), 0x0002),               // one and a half: a tie, to even 2
            (-1e-9f, 0x8000), (1e-40f, 0x0000),            // far below: signed zeros (1e-40 is a float32 subnormal)
        ];
        using var dir = new TempDir();
        var read = ReadRows(WriteRows(dir.Path, cases.Select(c => c.Value).ToArray(), cases.Length), cases.Length);
        for (int i = 0; i < cases.Length; i++)
            Assert.True(BitConverter.SingleToUInt32Bits(FromBits(cases[i].Bits)) == BitConverter.SingleToUInt32Bits(read[i]),
                        $"{cases[i].Value:R} read back as {read[i]:R}, expected float16 0x{cases[i].Bits:X4} ({FromBits(cases[i].Bits):R})");
    }

    [Fact]
    public void A_finite_value_beyond_float16_s_range_is_refused_when_written_naming_the_image_and_the_fix()
    {
        using var dir = new TempDir();
        foreach (float value in new[] { 65520f, -65520f, 1e6f, float.MaxValue })
        {
            var e = Assert.Throws<OnnxTransferException>(() => WriteRows(dir.Path, [1f, 2f, 3f, value], 2));
            Assert.Equal($"Image 'img1.jpg' has feature {value.ToString(CultureInfo.InvariantCulture)} at index 1 of layer 'x', beyond float16's range (±65504); " +
                         "extract with `Dtype` float32 (into another folder, or with `Overwrite`).", e.Message);
            Assert.Empty(Directory.GetFiles(dir.Path)); // nothing half-written left behind
        }
        // float32 keeps them as they are.
        Assert.Equal([1f, 2f, 3f, 1e6f], ReadRows(WriteRows(dir.Path, [1f, 2f, 3f, 1e6f], 2, FeatureDtype.Float32), 2));
    }

    [Fact]
    public void Infinity_and_NaN_in_a_float16_shard_are_non_finite_features_the_reader_refuses()
    {
        foreach (float value in new[] { float.PositiveInfinity, float.NegativeInfinity, float.NaN })
        {
            using var dir = new TempDir();
            string shard = WriteRows(dir.Path, [0.5f, 0.25f, value, 1f], 2); // stored as a half infinity or NaN, as float32 stores them
            var e = Assert.Throws<OnnxTransferException>(() => ReadRows(shard, 2));
            Assert.Contains("row 'img1.jpg' has a non-finite feature", e.Message);
            Assert.Contains("at index 0 of layer 'x'", e.Message);
        }
    }

    [PythonFact("numpy", "python3-numpy")]
    public void Rounding_to_float16_matches_NumPy_on_random_values_with_subnormals_ties_and_overflow()
    {
        var rng = new Random(16);
        var values = new List<float>();
        // Random float32 from 2^-30 (below the smallest half subnormal, 2^-24) to 2^17 (above the largest half, 65504), both signs.
        for (int i = 0; i < 20000; i++)
            values.Add(BitConverter.UInt32BitsToSingle((uint)rng.Next(2) << 31 | (uint)rng.Next(127 - 30, 127 + 18) << 23 | (uint)rng.Next(1 << 23)));
        // Exact midpoints between neighbouring halves, subnormal ones included: ties, which go to the even neighbour.
        for (int i = 0; i < 4000; i++)
        {
            ushort bits = (ushort)rng.Next(0x7BFF);
            values.Add((float)(((double)FromBits(bits) + FromBits((ushort)(bits + 1))) / 2) * (rng.Next(2) == 0 ? 1 : -1));
        }
        using var dir = new TempDir();
        var expected = NumpyFloat16(dir, [.. values]);

        // Those NumPy rounds to infinity must be refused (one row of one value each), the others read back as NumPy's halves.
        var overflow = Enumerable.Range(0, values.Count).Where(i => Half.IsInfinity(BitConverter.UInt16BitsToHalf(expected[i]))).ToList();
        foreach (int i in overflow.Take(50))
            Assert.Throws<OnnxTransferException>(() => WriteRows(dir.Path, [values[i]], 1));
        var kept = Enumerable.Range(0, values.Count).Except(overflow).ToList();
        int width = 100;
        kept = kept.Take(kept.Count / width * width).ToList();
        var read = ReadRows(WriteRows(dir.Path, kept.Select(i => values[i]).ToArray(), width), width);
        var wrong = kept.Select((i, k) => (Value: values[i], Expected: FromBits(expected[i]), Read: read[k]))
            .Where(c => BitConverter.SingleToUInt32Bits(c.Expected) != BitConverter.SingleToUInt32Bits(c.Read)).ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} differ from NumPy, e.g. {string.Join("; ", wrong.Take(5).Select(c => $"{c.Value:R} -> {c.Read:R}, NumPy {c.Expected:R}"))}");

        int subnormal = kept.Count(i => (expected[i] & 0x7C00) == 0 && (expected[i] & 0x03FF) != 0);
        output.WriteLine($"{kept.Count} values as NumPy rounds them ({subnormal} to subnormal halves), {overflow.Count} beyond float16 refused");
        Assert.True(subnormal > 500 && overflow.Count > 500, "the random values must reach the subnormal and overflow ranges");
    }

    /// <summary>NumPy's float16 bits of <paramref name="values"/> (astype, round to nearest even), through /usr/bin/python3.</summary>
    private static ushort[] NumpyFloat16(TempDir dir, float[] values)
    {
        string input = dir.File("in.f32"), result = dir.File("out.f16");
        File.WriteAllBytes(input, values.SelectMany(BitConverter.GetBytes).ToArray());
        var start = new ProcessStartInfo(PythonReference.Python, ["-W", "ignore", "-c",
            "import sys, numpy as np; np.fromfile(sys.argv[1], dtype='<f4').astype(np.float16).astype('<f2').tofile(sys.argv[2])", input, result])
        { RedirectStandardError = true };
        using var python = Process.Start(start)!;
        string error = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, error);
        var bytes = File.ReadAllBytes(result);
        return Enumerable.Range(0, values.Length).Select(i => BitConverter.ToUInt16(bytes, 2 * i)).ToArray();
    }

    [Fact]
    public void Float16_shards_hold_the_features_rounded_and_DuckDB_reads_them_as_floats()
    {
        using var input = new TempDir();
        using var f32 = new TempDir();
        using var f16 = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 3);
        TestData.ExtractTiny(input.Path, f32.Path, Options(FeatureDtype.Float32));
        TestData.ExtractTiny(input.Path, f16.Path, Options(FeatureDtype.Float16));

        var full = TestData.ReadWithDuckDb(f32.Path, "conv", "gap");
        var half = TestData.ReadWithDuckDb(f16.Path, "conv", "gap");
        Assert.Equal(full.Select(r => r.Path), half.Select(r => r.Path));
        for (int r = 0; r < full.Count; r++)
            for (int l = 0; l < 2; l++)
                Assert.Equal(full[r].Features[l].Select(v => (float)(Half)v), half[r].Features[l]);
        Assert.Contains(half, r => r.Features[1].Zip(full.Single(f => f.Path == r.Path).Features[1]).Any(p => p.First != p.Second)); // rounding happened

        string shard = f16.File("part-00000.parquet");
        Assert.Equal("float16", TestData.MetadataWithDuckDb(shard)[FeatureFormat.DtypeKey]);
        Assert.Equal("float32", TestData.MetadataWithDuckDb(f32.File("part-00000.parquet"))[FeatureFormat.DtypeKey]);
        using var conn = new DuckDBConnection("Data Source=:memory:");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = $"SELECT typeof(\"features.gap\") FROM read_parquet('{shard}') LIMIT 1";
        Assert.Equal("FLOAT[]", cmd.ExecuteScalar());
        cmd.CommandText = $"SELECT DISTINCT type, encodings, compression FROM parquet_metadata('{shard}') WHERE path_in_schema LIKE 'features.%'";
        int columns = 0;
        using (var reader = cmd.ExecuteReader())
            for (; reader.Read(); columns++)
            {
                Assert.Equal("FLOAT", reader.GetString(0));
                Assert.Contains("BYTE_STREAM_SPLIT", reader.GetString(1));
                Assert.Equal("ZSTD", reader.GetString(2));
            }
        Assert.True(columns > 0, "parquet_metadata lists no feature column");

        // This tool reads what DuckDB reads.
        var set = FeatureSet.Load(f16.Path, "gap");
        Assert.Equal(half.SelectMany(r => r.Features[1]), set.Features);
    }

    [Fact]
    public void A_shard_that_says_float16_but_holds_other_values_or_an_unknown_dtype_is_refused()
    {
        using var input = new TempDir();
        using var output = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 2);
        TestData.ExtractTiny(input.Path, output.Path, Options(FeatureDtype.Float32));
        string shard = output.File("part-00000.parquet");

        using (var reader = ShardReader.Open(Rewrite(shard, output.File("plain.parquet"), null), "fix it"))
            Assert.Equal(FeatureDtype.Float32, reader.Dtype); // a shard with no dtype (another tool's, or an older version's) is float32
        using (var reader = ShardReader.Open(Rewrite(shard, output.File("claims.parquet"), "float16"), "fix it"))
        {
            Assert.Equal(FeatureDtype.Float16, reader.Dtype);
            var e = Assert.Throws<OnnxTransferException>(() => reader.ReadGroup(0, [("gap", 4, new float[reader.GroupRows(0) * 4])]));
            Assert.Contains("which is not a float16 value though the shard's onnx_transfer.dtype says float16", e.Message);
            Assert.EndsWith("fix it.", e.Message);
        }
        var unknown = Assert.Throws<OnnxTransferException>(() => ShardReader.Open(Rewrite(shard, output.File("float8.parquet"), "float8"), "fix it").Dispose());
        Assert.Equal($"Shard '{output.File("float8.parquet")}' records dtype 'float8' (onnx_transfer.dtype), which this version does not know (float32, float16); fix it.", unknown.Message);
    }

    /// <summary>Another tool's copy of <paramref name="shard"/> (DuckDB's), recording <paramref name="dtype"/> or no dtype at all.</summary>
    private static string Rewrite(string shard, string target, string? dtype) =>
        TestData.CopyWithDuckDb(shard, target, "*", dtype is null ? "" : $"KV_METADATA {{'{FeatureFormat.DtypeKey}': '{dtype}'}}");

    [Fact]
    public void A_rerun_with_another_dtype_is_refused_and_overwrite_starts_again()
    {
        using var input = new TempDir();
        using var output = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 2);
        TestData.ExtractTiny(input.Path, output.Path, Options(FeatureDtype.Float32));
        var before = TestData.Shards(output.Path);

        var e = Assert.Throws<OnnxTransferException>(() => TestData.ExtractTiny(input.Path, output.Path, Options(FeatureDtype.Float16)));
        Assert.Equal($"Output folder '{output.Path}' holds features extracted with different settings or inputs (dtype: \"float32\" -> \"float16\"); " +
                     "rerun with the same options and input to resume, choose another output folder, or start again with `Overwrite`.", e.Message);
        Assert.Equal(before, TestData.Shards(output.Path)); // nothing rewritten

        TestData.ExtractTiny(input.Path, output.Path, Options(FeatureDtype.Float16, overwrite: true));
        Assert.Equal("float16", TestData.MetadataWithDuckDb(output.File("part-00000.parquet"))[FeatureFormat.DtypeKey]);
        Assert.Equal(8, TestData.ExtractTiny(input.Path, output.Path, Options(FeatureDtype.Float16)).ResumedImages);
        var back = Assert.Throws<OnnxTransferException>(() => TestData.ExtractTiny(input.Path, output.Path, Options(FeatureDtype.Float32)));
        Assert.Contains("(dtype: \"float16\" -> \"float32\")", back.Message);
    }

    [Fact]
    public void A_folder_from_before_dtypes_resumes_as_float32_and_is_refused_as_float16()
    {
        using var input = new TempDir();
        using var output = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 2);
        TestData.ExtractTiny(input.Path, output.Path, Options(FeatureDtype.Float32));
        // The manifest an older version wrote: the same keys, less dtype and shards.
        string manifest = output.File(FeatureSetManifest.ManifestFile);
        var node = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
        Assert.True(node.Remove("dtype"));
        Assert.True(node.Remove("shards"));
        File.WriteAllText(manifest, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        Assert.Equal(8, TestData.ExtractTiny(input.Path, output.Path, Options(FeatureDtype.Float32)).ResumedImages);
        var e = Assert.Throws<OnnxTransferException>(() => TestData.ExtractTiny(input.Path, output.Path, Options(FeatureDtype.Float16)));
        Assert.Contains("(dtype: \"float32\" -> \"float16\")", e.Message);
    }

    [Fact]
    public void A_feature_set_whose_shards_mix_dtypes_is_refused_naming_both_shards()
    {
        using var input = new TempDir();
        using var f32 = new TempDir();
        using var f16 = new TempDir();
        TestData.SplitFolder(input.Path, perClass: 4); // 16 images, shards of 8
        TestData.ExtractTiny(input.Path, f32.Path, Options(FeatureDtype.Float32, imagesPerShard: 8));
        TestData.ExtractTiny(input.Path, f16.Path, Options(FeatureDtype.Float16, imagesPerShard: 8));
        // The second shard and its record from the float16 run: same model, same images, intact, another dtype.
        File.Copy(f16.File("part-00001.parquet"), f32.File("part-00001.parquet"), overwrite: true);
        File.Copy(f16.File(".progress", "shard-00001.json"), f32.File(".progress", "shard-00001.json"), overwrite: true);
        // Its record names the settings it was written under, which the manifest check catches first; without them (a
        // record from before they were recorded) the shards' own metadata still tells the dtypes apart.
        var e0 = Assert.Throws<OnnxTransferException>(() => FeatureSet.Load(f32.Path, "gap"));
        Assert.Contains("dtype: \"float16\" -> \"float32\"", e0.Message);
        var record = JsonNode.Parse(File.ReadAllText(f32.File(".progress", "shard-00001.json")))!.AsObject();
        Assert.True(record.Remove("Settings"));
        File.WriteAllText(f32.File(".progress", "shard-00001.json"), record.ToJsonString());

        var e = Assert.Throws<OnnxTransferException>(() => FeatureSet.Load(f32.Path, "gap"));
        Assert.Equal($"Shard '{f32.File("part-00001.parquet")}' holds float16 features but shard '{f32.File("part-00000.parquet")}' holds float32 " +
                     $"(one feature set, one `Dtype`); re-extract '{f32.Path}' with `Overwrite`.", e.Message);
    }
}
