using System.Text.Json.Serialization;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>
/// The outcome of a run, also written to summary.json (by a shard task, to summary.shard-K-of-N.json: its own share).
/// ImagesIn = RowsWritten - AugmentedRows + Errors always.
/// </summary>
public sealed class ExtractionSummary
{
    public int ImagesIn { get; init; }
    public int RowsWritten { get; init; }
    public int Errors { get; init; }

    /// <summary>Rows that are augmented views of a training image rather than the image itself (<see cref="ExtractionOptions.Augmentation"/>).</summary>
    public int AugmentedRows { get; init; }

    /// <summary>Folders that could not be listed; errors.tsv lists them after the images (their paths end with '/').</summary>
    public int UnreadableFolders { get; init; }

    /// <summary>Images finished by earlier, interrupted runs into the same folder (with augmented views, each view counts as one).</summary>
    public int ResumedImages { get; init; }

    /// <summary>Images run in this run (with augmented views, each view counts as one).</summary>
    public int ProcessedImages { get; init; }
    public int Shards { get; init; }

    /// <summary>The shard task this run was, "K/N" ("0/1": the whole input; <see cref="ExtractionOptions.Shard"/>).</summary>
    public string Shard { get; init; } = "0/1";

    /// <summary>The first part file (part-NNNNN.parquet) of this run's share, and how many it has.</summary>
    public int FirstPart { get; init; }

    public int PartCount { get; init; }

    /// <summary>True when every part of the feature set is finished, this run's and the other shard tasks'.</summary>
    public bool SetComplete { get; init; }
    public double Seconds { get; init; }

    /// <summary>This run's throughput: ProcessedImages / Seconds.</summary>
    public double ImagesPerSecond { get; init; }
    /// <summary>
    /// The decoders' time per decoder thread: the seconds all threads spent decoding, resizing and drawing views, divided
    /// by <see cref="DecodeWorkers"/>.
    /// </summary>
    public double DecodeSeconds { get; init; }

    /// <summary>
    /// What the decoders kept up: images decoded (each augmented view counts as one) / <see cref="DecodeSeconds"/>. On a
    /// CPU run the decoders and ONNX Runtime share the cores, so this is what they got, not what they could do alone.
    /// </summary>
    public double DecodeImagesPerSecond { get; init; }

    /// <summary>ONNX Runtime's time per session: the seconds all sessions spent in runs, divided by <see cref="Sessions"/>.</summary>
    public double ModelSeconds { get; init; }

    /// <summary>What the model kept up: images run / <see cref="ModelSeconds"/>.</summary>
    public double ModelImagesPerSecond { get; init; }

    /// <summary>The slower stage, "decoding" or "model" ("" when nothing ran): the one to speed up.</summary>
    public string Bottleneck { get; init; } = "";

    /// <summary>Images per ONNX Runtime call, and why (<see cref="FeatureExtractor.BatchSizeReason"/>).</summary>
    public int BatchSize { get; init; }

    public string BatchSizeReason { get; init; } = "";
    public string Device { get; init; } = "";
    public string DeviceReason { get; init; } = "";
    /// <summary>ONNX Runtime's intra-op threads, all sessions together.</summary>
    public int OrtThreads { get; init; }

    /// <summary>ONNX Runtime sessions run side by side (<see cref="ExtractionOptions.Sessions"/>).</summary>
    public int Sessions { get; init; }
    public int DecodeWorkers { get; init; }

    /// <summary>The decoder threads' CPU priority (<see cref="FeatureExtractor.DecoderPriority"/>).</summary>
    public string DecoderPriority { get; init; } = "";

    /// <summary>Which library decoded the JPEGs (<see cref="Imaging.JpegDecoders.Describe"/>).</summary>
    public string JpegDecoder { get; init; } = "";
    public List<string> Warnings { get; init; } = [];

    [JsonIgnore]
    public string OutputDirectory { get; init; } = "";
}
