using OnnxTransfer.Extractor.Imaging;

namespace OnnxTransfer.Extractor.Extraction;

/// <summary>
/// A batch of <see cref="PhotoBatches.Decode"/>: images First..First+Count-1 of the list, of which the
/// <see cref="Decoded"/> that could be read sit at the front of input buffer <see cref="Buffer"/>, in order;
/// <see cref="Errors"/>[j] is image First + j's reason when it could not.
/// </summary>
internal sealed record PhotoBatch(int First, int Count, int Buffer, int Decoded, string?[] Errors);

/// <summary>
/// The extraction pipeline's decode stage for callers that keep the outputs (prediction, evaluation): the idle-priority
/// <see cref="DecoderPool"/> decodes the next batch into one input buffer while the caller runs the model on the other,
/// and the caller's thread decodes whatever its batch still lacks when it needs it (<see cref="DecodeJob.Finish"/>).
/// </summary>
internal static class PhotoBatches
{
    /// <summary>
    /// Decodes <paramref name="paths"/> in batches of <paramref name="batchSize"/> into <paramref name="buffers"/> (two:
    /// one decoded while the other is used). A batch's buffer is refilled only after the caller asked for the batch
    /// after the next one, so it may run the model on the buffer until then.
    /// </summary>
    public static IEnumerable<PhotoBatch> Decode(IReadOnlyList<string> paths, ImageOptions image, int batchSize, IReadOnlyList<float[]> buffers,
                                                 DecoderPool pool, CancellationToken cancellation)
    {
        if (buffers.Count != 2) throw new ArgumentException("Two input buffers are needed: one decoded while the other runs.", nameof(buffers));
        int len = image.TensorLength;
        int batches = (paths.Count + batchSize - 1) / batchSize;
        (DecodeJob Job, string?[] Errors) Start(int b)
        {
            int first = b * batchSize, count = Math.Min(batchSize, paths.Count - first);
            var pixels = buffers[b % 2];
            var errors = new string?[count];
            var job = pool.Start(count, j =>
            {
                try { ImageLoader.LoadInto(paths[first + j], image, pixels.AsSpan(j * len, len)); }
                catch (ImageLoadException e) { errors[j] = e.Message; }
            });
            return (job, errors);
        }

        var next = batches > 0 ? Start(0) : default;
        for (int b = 0; b < batches; b++)
        {
            cancellation.ThrowIfCancellationRequested();
            var (job, errors) = next;
            // The caller is done with batch b - 1's buffer: the pool fills it with batch b + 1 while batch b runs.
            if (b + 1 < batches) next = Start(b + 1);
            job.Finish(cancellation);
            yield return new PhotoBatch(b * batchSize, errors.Length, b % 2, Compact(buffers[b % 2], errors, len), errors);
        }
    }

    /// <summary>Moves the images that decoded (no error) to the front of <paramref name="pixels"/>, in order; returns how many.</summary>
    public static int Compact(float[] pixels, string?[] errors, int imageLength)
    {
        int kept = 0;
        for (int j = 0; j < errors.Length; j++)
        {
            if (errors[j] is not null) continue;
            if (kept != j) pixels.AsSpan(j * imageLength, imageLength).CopyTo(pixels.AsSpan(kept * imageLength, imageLength));
            kept++;
        }
        return kept;
    }
}
