using OnnxTransfer.Examples;
using OnnxTransfer.Extractor.Models;

// dotnet run --project examples/QuickStart -- PHOTOS WORK PHOTO: class folders of photos, a folder for the outputs, a photo to classify.
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: QuickStart PHOTOS WORK PHOTO");
    return 2;
}
// The real Keras MobileNet when `onnx-transfer models fetch mobilenet` has cached it; random weights otherwise.
var backbone = ModelZoo.IsCached("mobilenet")
    ? ModelZoo.Load("mobilenet")
    : KerasImporter.RandomWeights(KerasArch.MobileNet, new KerasImportOptions { Alpha = 0.25 }, seed: 1);
var prediction = await QuickStart.RunAsync(backbone, args[0], args[1], args[2]);
Console.WriteLine($"{prediction.Path}: {prediction.TopClass} ({prediction.Probabilities[prediction.TopIndex]:P1})");
return 0;
