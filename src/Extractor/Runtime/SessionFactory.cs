using Microsoft.ML.OnnxRuntime;
using OnnxTransfer.Extractor.Models;
using OnnxTransfer.Onnx;

namespace OnnxTransfer.Extractor.Runtime;

/// <summary>Creates ONNX Runtime sessions on the requested device.</summary>
internal static class SessionFactory
{
    /// <summary>The one-line explanation given when CUDA is asked of the CPU build.</summary>
    public const string CpuBuildMessage =
        "this build uses the CPU ONNX Runtime package; rebuild with -p:OrtGpu=true on a feed that has " +
        "Microsoft.ML.OnnxRuntime.Gpu.Linux, with " + CudaErrors.Requirements + " installed";

    /// <summary>True when this build has the CUDA code: -p:OrtGpu=true (the CUDA package) or -p:OrtGpuApi=true (CI, CPU package).</summary>
    public static bool IsGpuBuild =>
#if ORT_GPU
        true;
#else
        false;
#endif

    /// <summary>
    /// Whether the loaded native ONNX Runtime has the CUDA provider: false for the CPU package, which a
    /// -p:OrtGpuApi=true build runs with the CUDA code compiled in.
    /// </summary>
    public static bool HasCudaProvider => OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider");

    /// <summary>ONNX Runtime's version string, e.g. 1.32.0.</summary>
    public static string OrtVersion => OrtEnv.Instance().GetVersionString();

    /// <summary>Fails fast, before any model is loaded, when this build cannot run <paramref name="device"/>.</summary>
    public static void CheckAvailable(DeviceSpec device)
    {
        if (device.Kind == DeviceKind.Cuda && !IsGpuBuild)
            throw new OnnxTransferException($"`Device` {device}: {CpuBuildMessage}.");
    }

    /// <summary>
    /// Creates a session for a serialized model. <see cref="DeviceKind.Cuda"/> fails with an
    /// <see cref="OnnxTransferException"/> when CUDA is unavailable; <see cref="DeviceKind.Auto"/> then falls back to CPU.
    /// A model ONNX Runtime cannot load on the CPU is an <see cref="OnnxTransferException"/> naming it and ORT's reason.
    /// </summary>
    internal static ModelSession Create(byte[] model, SessionSettings settings)
    {
        var device = settings.Device;
        if (device.Kind == DeviceKind.Cpu) return new ModelSession(CreateCpu(model, settings), DeviceSpec.Cpu, "requested", ThreadsOf(settings));
#if ORT_GPU
        var cuda = new DeviceSpec(DeviceKind.Cuda, device.DeviceId);
        try
        {
            using var options = CpuOptions(settings);
            // The provider-options API, not AppendExecutionProvider_CUDA(int): that one binds an export the CPU
            // native library lacks (EntryPointNotFoundException), while this one reports an OnnxRuntimeException.
            using var cudaOptions = new OrtCUDAProviderOptions();
            cudaOptions.UpdateOptions(settings.Cuda.ProviderOptions(device.DeviceId));
            options.AppendExecutionProvider_CUDA(cudaOptions);
            return new ModelSession(new InferenceSession(model, options), cuda, device.Kind == DeviceKind.Auto ? "CUDA available" : "requested", ThreadsOf(settings));
        }
        catch (OnnxRuntimeException e) when (device.Kind == DeviceKind.Auto)
        {
            return new ModelSession(CreateCpu(model, settings), DeviceSpec.Cpu, CudaErrors.FallbackReason(OrtErrors.Reason(e), HasCudaProvider), ThreadsOf(settings));
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxTransferException(CudaErrors.Describe(cuda, OrtErrors.Reason(e), HasCudaProvider), e);
        }
#else
        CheckAvailable(device);
        return new ModelSession(CreateCpu(model, settings), DeviceSpec.Cpu, "this build uses the CPU ONNX Runtime package", ThreadsOf(settings));
#endif
    }

    private static InferenceSession CreateCpu(byte[] model, SessionSettings settings)
    {
        using var options = CpuOptions(settings);
        try
        {
            return new InferenceSession(model, options);
        }
        catch (OnnxRuntimeException e)
        {
            // Only the bytes are at hand: parse them again for the model's name, affordable on this failure path.
            throw OrtErrors.CannotLoad(ModelLayers.DisplayName(OnnxModelFile.Parse(model, "the model")), e);
        }
    }

    /// <summary>The session options for <paramref name="settings"/> (CUDA sessions add their provider to these).</summary>
    internal static SessionOptions CpuOptions(SessionSettings settings)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            EnableMemoryPattern = settings.MemoryPattern,
        };
        options.IntraOpNumThreads = ThreadsOf(settings);
        if (!settings.AllowSpinning) options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    private static int ThreadsOf(SessionSettings settings) => CpuCores.ThreadsFor(settings.Threads);
}
