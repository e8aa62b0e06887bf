using OnnxTransfer.Extractor.Extraction;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Features;
using OnnxTransfer.Tests;
using Xunit;

namespace OnnxTransfer.HeadTrainer.Tests;

/// <summary>
/// oxford_flowers17 (17 classes, train/ 1088 and val/ 272 photos) through the real Keras MobileNet 0.25 from
/// ../shared/models cut at conv_pw_13_relu, average-pooled (256 features), extracted once as float32 and once as
/// float16. Extraction takes most of a minute per dtype on 2 cores, so test classes share it: as a class fixture,
/// or, to extract only once for several classes, through <see cref="Flowers17Collection"/>. Without ../shared it
/// extracts nothing (the tests using it are [SharedFact]s, skipped then).
/// </summary>
public sealed class Flowers17Fixture : IDisposable
{
    public const string Collection = "flowers17 features";

    private readonly TempDir _dir = new();

    public Flowers17Fixture()
    {
        if (SharedData.Root is null) return;
        Photos = SharedData.Dataset("oxford_flowers17");
        var model = KerasImporter.Import(SharedData.Models("mobilenet_2_5_224_tf_no_top.h5"), KerasArch.MobileNet, new KerasImportOptions { Alpha = 0.25 });
        var truncated = GraphTruncator.Truncate(model, ["conv_pw_13_relu"], PoolMode.Avg);
        Float32Dir = _dir.File("float32");
        Float16Dir = _dir.File("float16");
        foreach (var (dtype, dir) in new[] { (FeatureDtype.Float32, Float32Dir), (FeatureDtype.Float16, Float16Dir) })
        {
            using var extractor = new FeatureExtractor(truncated, new ExtractionOptions { ModelName = "mobilenet_0.25", Dtype = dtype });
            extractor.ExtractAsync(Photos, dir).GetAwaiter().GetResult();
        }
    }

    /// <summary>The photos: ../shared/datasets/oxford_flowers17.</summary>
    public string Photos { get; } = "";

    /// <summary>The feature set extracted as float32 (the default).</summary>
    public string Float32Dir { get; } = "";

    /// <summary>The same photos' feature set extracted as float16.</summary>
    public string Float16Dir { get; } = "";

    /// <summary>The bytes of a feature set's shards (part-*.parquet).</summary>
    public static long ShardBytes(string dir) => Directory.GetFiles(dir, FeatureFormat.ShardPattern).Sum(f => new FileInfo(f).Length);

    public void Dispose() => _dir.Dispose();
}

/// <summary>The test classes that share one <see cref="Flowers17Fixture"/>.</summary>
[CollectionDefinition(Flowers17Fixture.Collection)]
public sealed class Flowers17Collection : ICollectionFixture<Flowers17Fixture>;
