using System.Globalization;
using OnnxTransfer.Features;

namespace OnnxTransfer.Bench.Peers;

/// <summary>
/// `features-csv DIR OUT.csv [--layer L]`: one layer of a feature set as split,label_index,f0,f1,...
/// lines, for peer scripts on machines whose Python has scikit-learn but no Parquet reader
/// (Debian ships python3-sklearn, not pyarrow). Read by bench/peers/head_data.py.
/// </summary>
public static class FeaturesCsv
{
    public static int Run(string[] args)
    {
        if (args.Length < 2) throw new OnnxTransferException("usage: features-csv FEATURES_DIR OUT.csv [--layer NAME]");
        string? layer = args.Length >= 4 && args[2] == "--layer" ? args[3] : null;
        var set = FeatureSet.Load(args[0], layer);
        using var writer = new StreamWriter(args[1]);
        for (int r = 0; r < set.Rows; r++)
        {
            if (set.Labels[r] < 0) continue;
            writer.Write(set.Splits[r]);
            writer.Write(',');
            writer.Write(set.Labels[r].ToString(CultureInfo.InvariantCulture));
            foreach (float v in set.Row(r))
            {
                writer.Write(',');
                writer.Write(v.ToString("R", CultureInfo.InvariantCulture));
            }
            writer.WriteLine();
        }
        Console.WriteLine($"wrote {args[1]}: {set.Rows} rows x {set.Width} features of layer {set.Layer}");
        return 0;
    }
}
