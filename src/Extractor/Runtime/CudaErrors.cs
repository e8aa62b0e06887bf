using System.Text.RegularExpressions;

namespace OnnxTransfer.Extractor.Runtime;

/// <summary>
/// Says why ONNX Runtime could not start its CUDA provider, and the fix. Most often a library is missing: ORT reports
/// the dlopen failure ("Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot
/// open shared object file: No such file or directory"), so the library's name is taken from it.
/// </summary>
internal static partial class CudaErrors
{
    /// <summary>What the CUDA build of ONNX Runtime 1.32 links: CUDA 13's runtime, cuBLAS and cuFFT, and cuDNN 9.</summary>
    public const string Requirements = "CUDA 13 and cuDNN 9";

    /// <summary>The provider library the GPU package puts beside libonnxruntime.so.</summary>
    public const string ProviderLibrary = "libonnxruntime_providers_cuda.so";

    /// <summary>The shared library dlopen could not find, named in ORT's message, or null when the message names none.</summary>
    public static string? MissingLibrary(string ortMessage)
    {
        var match = MissingLibraryPattern().Match(ortMessage);
        return match.Success ? match.Groups[1].Value : null;
    }

    /// <summary>The one-line error for CUDA asked for and unavailable.</summary>
    /// <param name="device">The device asked for.</param>
    /// <param name="reason">ORT's message as one line (<see cref="OrtErrors.Reason"/>).</param>
    /// <param name="cudaProviderBuilt">Whether the loaded ONNX Runtime has the CUDA provider (false: the CPU package).</param>
    public static string Describe(DeviceSpec device, string reason, bool cudaProviderBuilt)
    {
        string cannot = $"Cannot use `Device` {device}";
        if (!cudaProviderBuilt)
            return $"{cannot}: ONNX Runtime's CPU package is loaded ({reason}); build with -p:OrtGpu=true (the Microsoft.ML.OnnxRuntime.Gpu.Linux package), or use `Device` cpu.";
        return MissingLibrary(reason) switch
        {
            ProviderLibrary =>
                $"{cannot}: {ProviderLibrary} is missing beside libonnxruntime.so; publish with -p:OrtGpu=true and keep the runtimes folder's files together, or use `Device` cpu.",
            string library =>
                $"{cannot}: ONNX Runtime's CUDA provider needs {library}, which is not on the library path; install {Requirements}, " +
                "or add the lib folders of the nvidia-*-cu13 Python wheels (site-packages/nvidia/*/lib) to LD_LIBRARY_PATH, or use `Device` cpu.",
            null => $"{cannot}: {reason}; check that {Requirements} are installed and the device id exists (nvidia-smi -L), or use `Device` cpu.",
        };
    }

    /// <summary>Why auto took the CPU, short: the missing library, the CPU package, or ORT's message.</summary>
    public static string FallbackReason(string reason, bool cudaProviderBuilt) =>
        !cudaProviderBuilt ? "CUDA unavailable: ONNX Runtime's CPU package is loaded"
        : MissingLibrary(reason) is { } library ? $"CUDA unavailable: {library} not found"
        : $"CUDA unavailable: {reason}";

    /// <summary>
    /// Whether ORT's message says the GPU ran out of memory: the arena could not grow ("BFCArena::AllocateRawInternal
    /// Failed to allocate memory for requested buffer of size N"), cudaMalloc failed ("CUDA failure 2: out of memory"),
    /// or cuBLAS/cuDNN could not allocate their workspace (CUBLAS_STATUS_ALLOC_FAILED, CUDNN_STATUS_ALLOC_FAILED).
    /// </summary>
    public static bool IsOutOfMemory(string ortMessage) =>
        ortMessage.Contains("Failed to allocate memory", StringComparison.Ordinal)
        || ortMessage.Contains("out of memory", StringComparison.OrdinalIgnoreCase)
        || ortMessage.Contains("_STATUS_ALLOC_FAILED", StringComparison.Ordinal);

    // A library file name ending .so or .so.N(.M...) right before dlopen's "cannot open shared object file".
    [GeneratedRegex(@"(?:^|[\s/:])(lib[\w+.-]*?\.so(?:\.\d+)*): cannot open shared object file")]
    private static partial Regex MissingLibraryPattern();
}
