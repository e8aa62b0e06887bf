using OnnxTransfer.Extractor.Runtime;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Runtime;

/// <summary>
/// The CUDA failure texts, on ONNX Runtime messages as users reported them (GitHub issues of onnxruntime, ort,
/// ragflow and Triton's backend; the prefix is what <see cref="OrtErrors.Reason"/> keeps of the C# exception).
/// </summary>
public class CudaErrorsTests
{
    private const string Bridge = "/onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:1209 onnxruntime::Provider& " +
                                  "onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : ";

    private static readonly DeviceSpec Cuda0 = new(DeviceKind.Cuda, 0);

    [Theory]
    [InlineData(Bridge + "Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open shared object file: No such file or directory", "libcublasLt.so.13")]
    [InlineData(Bridge + "Failed to load library libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file: No such file or directory", "libcudnn.so.9")]
    [InlineData("/home/runner/work/ort-artifacts/ort-artifacts/onnxruntime/onnxruntime/core/session/provider_bridge_ort.cc:1952 Provider &onnxruntime::ProviderLibrary::Get() " +
                "[ONNXRuntimeError] : 1 : FAIL : Failed to load library /home/meh/devel/ort-cuda-13-fail/target/debug/libonnxruntime_providers_cuda.so with error: " +
                "libcublasLt.so.12: cannot open shared object file: No such file or directory", "libcublasLt.so.12")]
    [InlineData(Bridge + "Failed to load library libonnxruntime_providers_cuda.so with error: libcublas.so.11: cannot open shared object file: No such file or directory", "libcublas.so.11")]
    [InlineData(Bridge + "Failed to load library libonnxruntime_providers_cuda.so with error: libonnxruntime_providers_cuda.so: cannot open shared object file: No such file or directory", "libonnxruntime_providers_cuda.so")]
    [InlineData(Bridge + "Failed to load library /opt/app/libonnxruntime_providers_cuda.so with error: /opt/app/libonnxruntime_providers_cuda.so: cannot open shared object file: No such file or directory", "libonnxruntime_providers_cuda.so")]
    [InlineData("/onnxruntime_src/onnxruntime/core/providers/cuda/cuda_call.cc:121 bool onnxruntime::CudaCall(ERRTYPE, const char*, const char*, ERRTYPE, const char*) " +
                "[with ERRTYPE = cudaError; bool THRW = true] CUDA failure 101: invalid device ordinal ; GPU=0 ; hostname=4dbec2b03d4e ; expr=cudaSetDevice(info_.device_id);", null)]
    [InlineData("Failed to load library libonnxruntime_providers_cuda.so with error: libcuda.so.1: wrong ELF class: ELFCLASS32", null)]
    public void Finds_the_library_dlopen_could_not_open(string message, string? library) =>
        Assert.Equal(library, CudaErrors.MissingLibrary(message));

    [Fact]
    public void A_missing_cuda_library_is_named_with_the_ways_to_provide_it()
    {
        string reason = Bridge + "Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open shared object file: No such file or directory";
        Assert.Equal(
            "Cannot use `Device` cuda:1: ONNX Runtime's CUDA provider needs libcublasLt.so.13, which is not on the library path; install CUDA 13 and cuDNN 9, " +
            "or add the lib folders of the nvidia-*-cu13 Python wheels (site-packages/nvidia/*/lib) to LD_LIBRARY_PATH, or use `Device` cpu.",
            CudaErrors.Describe(new DeviceSpec(DeviceKind.Cuda, 1), reason, cudaProviderBuilt: true));
        Assert.Equal("CUDA unavailable: libcublasLt.so.13 not found", CudaErrors.FallbackReason(reason, cudaProviderBuilt: true));
    }

    [Fact]
    public void A_missing_provider_library_a_bad_device_and_the_cpu_package_each_get_their_fix()
    {
        string provider = Bridge + "Failed to load library libonnxruntime_providers_cuda.so with error: libonnxruntime_providers_cuda.so: cannot open shared object file: No such file or directory";
        Assert.Equal("Cannot use `Device` cuda:0: libonnxruntime_providers_cuda.so is missing beside libonnxruntime.so; publish with -p:OrtGpu=true " +
                     "and keep the runtimes folder's files together, or use `Device` cpu.", CudaErrors.Describe(Cuda0, provider, true));

        string ordinal = "CUDA failure 101: invalid device ordinal ; GPU=3 ; hostname=h ; expr=cudaSetDevice(info_.device_id);";
        Assert.Equal($"Cannot use `Device` cuda:0: {ordinal}; check that CUDA 13 and cuDNN 9 are installed and the device id exists (nvidia-smi -L), or use `Device` cpu.",
                     CudaErrors.Describe(Cuda0, ordinal, true));
        Assert.Equal($"CUDA unavailable: {ordinal}", CudaErrors.FallbackReason(ordinal, true));

        // What the CPU package answers is whatever it says; the fix is the build, whatever the reason.
        Assert.Equal("Cannot use `Device` cuda:0: ONNX Runtime's CPU package is loaded (why); build with -p:OrtGpu=true " +
                     "(the Microsoft.ML.OnnxRuntime.Gpu.Linux package), or use `Device` cpu.", CudaErrors.Describe(Cuda0, "why", false));
        Assert.Equal("CUDA unavailable: ONNX Runtime's CPU package is loaded", CudaErrors.FallbackReason(provider, false));
    }

    [Theory]
    [InlineData("Non-zero status code returned while running Conv node. Name:'/patch_embed/stages/stages.0/blocks/blocks.0/mlp/fc1/Conv' Status Message: " +
                "/onnxruntime_src/onnxruntime/core/framework/bfc_arena.cc:376 void* onnxruntime::BFCArena::AllocateRawInternal(size_t, bool, onnxruntime::Stream*, bool, " +
                "onnxruntime::WaitNotificationFn) Failed to allocate memory for requested buffer of size 4585490524328388608", true)]
    [InlineData("Non-zero status code returned while running ReduceSum node. onnxruntime::BFCArena::AllocateRawInternal Failed to allocate memory for requested buffer of size 939524096", true)]
    [InlineData("/onnxruntime_src/onnxruntime/core/providers/cuda/cuda_call.cc:121 CUDA failure 2: out of memory ; GPU=0 ; hostname=h ; expr=cudaMalloc((void**)&p, size);", true)]
    [InlineData("Non-zero status code returned while running MatMul node. CUBLAS failure 3: CUBLAS_STATUS_ALLOC_FAILED ; GPU=0", true)]
    [InlineData("Got invalid dimensions for input: image for the following indices index: 1 Got: 100 Expected: 224", false)]
    [InlineData("CUDA failure 101: invalid device ordinal ; GPU=0", false)]
    public void Tells_out_of_memory_from_other_failures(string message, bool outOfMemory) =>
        Assert.Equal(outOfMemory, CudaErrors.IsOutOfMemory(message));
}
