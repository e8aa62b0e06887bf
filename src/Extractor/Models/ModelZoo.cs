using OnnxTransfer.Onnx;
using OnnxTransfer.Onnx.Proto;

namespace OnnxTransfer.Extractor.Models;

/// <summary>Built-in architectures, the local model cache, and name-or-file resolution.</summary>
public static class ModelZoo
{
    /// <summary>Loads an .onnx file, or a built-in model (vgg19, efficientnetb0, mobilenet) from the default cache.</summary>
    public static ModelProto Load(string nameOrPath) => Load(nameOrPath, new ZooOptions());

    public static ModelProto Load(string nameOrPath, ZooOptions options)
    {
        var zoo = ZooModel.Find(nameOrPath);
        if (zoo is null || File.Exists(nameOrPath)) return OnnxModelFile.Load(nameOrPath);
        string cached = CachePath(zoo, options);
        if (File.Exists(cached)) return OnnxModelFile.Load(cached);
        throw new OnnxTransferException(
            $"Model '{zoo.Name}' is not in the cache ({options.CacheDirectory}); run `onnx-transfer models fetch {zoo.Name}`, " +
            $"or for tests and timing only `onnx-transfer models import --random-weights --arch {zoo.Name} --seed 1 -o {zoo.Name}-random.onnx`.");
    }

    /// <summary>The built-in models, whether each is cached, where it is fetched from and its size
    /// (the cached model's size, else the approximate download size).</summary>
    public static IReadOnlyList<ZooEntry> List(ZooOptions? options = null)
    {
        options ??= new ZooOptions();
        return ZooModel.All.Select(m =>
        {
            var file = new FileInfo(CachePath(m, options));
            return new ZooEntry(m.Name, file.Exists, file.FullName, m.Url(options), file.Exists ? file.Length : m.ApproxBytes);
        }).ToList();
    }

    /// <summary>The cached model file of a built-in architecture.</summary>
    public static string CachePath(ZooModel model, ZooOptions options) => Path.Combine(options.CacheDirectory, model.Name + ".onnx");

    /// <summary>Downloads (resuming) and md5-verifies a built-in model's Keras weights into the cache;
    /// returns the .h5 path. Fails within seconds, naming the manual route, when offline.</summary>
    public static string DownloadWeights(string name, ZooOptions? options = null)
    {
        options ??= new ZooOptions();
        var zoo = ZooModel.Get(name);
        string h5 = Path.Combine(options.CacheDirectory, "downloads", zoo.FileName);
        if (File.Exists(h5)) return h5;
        string manual = $"`onnx-transfer models import --keras {zoo.FileName} --arch {zoo.Name}" +
                        (zoo.Alpha != 1.0 ? $" --alpha {zoo.Alpha}" : "") + $" -o {CachePath(zoo, options)}`.";
        new WeightsDownloader(options).Download(zoo.Url(options), h5, zoo.Md5, manual);
        return h5;
    }

    /// <summary>Downloads, verifies and converts a built-in model into the cache; returns the .onnx path.</summary>
    public static string Fetch(string name, ZooOptions? options = null)
    {
        options ??= new ZooOptions();
        var zoo = ZooModel.Get(name);
        string h5 = DownloadWeights(name, options);
        var model = KerasImporter.Import(h5, zoo.Arch, new KerasImportOptions { Alpha = zoo.Alpha });
        string path = CachePath(zoo, options);
        OnnxModelFile.Save(model, path);
        return path;
    }
}
