namespace OnnxTransfer.Extractor.Imaging;

/// <summary>A decoded, upright photo: <paramref name="Rgb"/> holds Height x Width x 3 bytes, RGB, row-major.</summary>
internal sealed record DecodedPhoto(byte[] Rgb, int Width, int Height);
