using OnnxTransfer.Tests;
using DuckDB.NET.Data;
using OnnxTransfer.Extractor.Extraction;
using SkiaSharp;

namespace OnnxTransfer.Extractor.Tests.Extraction;

/// <summary>A row read back from the shards by DuckDB, in file order.</summary>
public sealed record ReadRow(string File, string Path, string Label, int LabelIndex, string Split, float[][] Features);

public static class TestData
{
    /// <summary>
    /// Writes a train/val split folder of random PNG/JPEG images of assorted sizes under root: per split,
    /// classes "ants" and "bees" with perClass images each. Returns the relative paths, sorted.
    /// </summary>
    public static List<string> SplitFolder(string root, int perClass, int seed = 1)
    {
        var rng = new Random(seed);
        var paths = new List<string>();
        foreach (string split in new[] { "train", "val" })
            foreach (string label in new[] { "ants", "bees" })
            {
                Directory.CreateDirectory(Path.Combine(root, split, label));
                for (int i = 0; i < perClass; i++)
                {
                    int w = rng.Next(8, 40), h = rng.Next(8, 40);
                    bool png = rng.Next(2) == 0;
                    var bytes = TestImages.Encode(TestImages.RandomRgba(w, h, rng.Next()), w, h,
                        png ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg, 90);
                    string rel = $"{split}/{label}/img{i:D3}.{(png ? "png" : "jpg")}";
                    File.WriteAllBytes(Path.Combine(root, rel), bytes);
                    paths.Add(rel);
                }
            }
        paths.Sort(StringComparer.Ordinal);
        return paths;
    }

    /// <summary>Reads every shard with DuckDB (an independent Parquet reader), in file then row order.</summary>
    public static List<ReadRow> ReadWithDuckDb(string dir, params string[] layers)
    {
        using var conn = new DuckDBConnection("Data Source=:memory:");
        conn.Open();
        using var cmd = conn.CreateCommand();
        string cols = string.Concat(layers.Select(l => $", \"features.{l}\""));
        cmd.CommandText = $"SELECT filename, path, label, label_index, split{cols} FROM read_parquet('{dir}/part-*.parquet', " +
                          "filename=true, file_row_number=true) ORDER BY filename, file_row_number";
        using var reader = cmd.ExecuteReader();
        var rows = new List<ReadRow>();
        while (reader.Read())
        {
            var features = new float[layers.Length][];
            for (int l = 0; l < layers.Length; l++)
                features[l] = ((System.Collections.IEnumerable)reader.GetValue(5 + l)).Cast<object>().Select(Convert.ToSingle).ToArray();
            rows.Add(new ReadRow(Path.GetFileName(reader.GetString(0)), reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
                                 reader.GetString(4), features));
        }
        return rows;
    }

    /// <summary>
    /// Another tool's rewrite of a shard: DuckDB copies the <paramref name="columns"/> of <paramref name="shard"/> to
    /// <paramref name="target"/>, with its own Parquet writer and <paramref name="options"/> (e.g. KV_METADATA).
    /// </summary>
    public static string CopyWithDuckDb(string shard, string target, string columns, string options = "")
    {
        using var conn = new DuckDBConnection("Data Source=:memory:");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = $"COPY (SELECT {columns} FROM read_parquet('{shard}')) TO '{target}' (FORMAT parquet{(options.Length > 0 ? ", " + options : "")})";
        cmd.ExecuteNonQuery();
        return target;
    }

    /// <summary>The key-value metadata of one Parquet file, read by DuckDB.</summary>
    public static Dictionary<string, string> MetadataWithDuckDb(string file)
    {
        using var conn = new DuckDBConnection("Data Source=:memory:");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = $"SELECT decode(key), decode(value) FROM parquet_kv_metadata('{file}')";
        using var reader = cmd.ExecuteReader();
        var result = new Dictionary<string, string>();
        while (reader.Read()) result[reader.GetString(0)] = reader.GetString(1);
        return result;
    }

    /// <summary>Extracts the tiny model's features (<see cref="TestModels.TinyConv"/>) from <paramref name="input"/> into <paramref name="output"/>.</summary>
    public static ExtractionSummary ExtractTiny(string input, string output, ExtractionOptions options,
                                                IProgress<ExtractionProgress>? progress = null, CancellationToken ct = default)
    {
        using var extractor = new FeatureExtractor(TestModels.TinyConv(), options);
        return extractor.ExtractAsync(input, output, progress, ct).GetAwaiter().GetResult();
    }

    /// <summary>Runs an IProgress callback on the reporting thread (Progress&lt;T&gt; would post it to the pool).</summary>
    public sealed class SyncProgress(Action<ExtractionProgress> onReport) : IProgress<ExtractionProgress>
    {
        public void Report(ExtractionProgress value) => onReport(value);
    }

    /// <summary>The number of row groups in one Parquet file, read by DuckDB.</summary>
    public static long RowGroupsWithDuckDb(string file)
    {
        using var conn = new DuckDBConnection("Data Source=:memory:");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = $"SELECT num_row_groups FROM parquet_file_metadata('{file}')";
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>sha256 and last-write time of every shard, to prove a rerun left finished shards alone.</summary>
    public static Dictionary<string, (string Hash, DateTime Written)> Shards(string dir) =>
        Directory.GetFiles(dir, "part-*.parquet").Order(StringComparer.Ordinal).ToDictionary(f => Path.GetFileName(f),
            f => (OnnxTransfer.IO.Hashing.Sha256File(f), File.GetLastWriteTimeUtc(f)));
}
