package ai.t2vzero.runtime;

import ai.djl.engine.EngineException;
import ai.djl.pytorch.jni.JniUtils;

import java.util.Locale;

/**
 * libtorch running out of memory, on the GPU ({@code "CUDA out of memory"}) or on the CPU
 * ({@code "DefaultCPUAllocator: can't allocate memory"}): how to recognise it among DJL's exceptions, and how to
 * hand memory back afterwards.
 */
public final class OutOfMemory {

    /** Fragments of libtorch's out-of-memory messages (c10::OutOfMemoryError, the CPU allocator, CUDA/cuBLAS/cuDNN). */
    private static final String[] MESSAGES = {
            "out of memory", "can't allocate memory", "cannot allocate memory", "cublas_status_alloc_failed",
            "cudnn_status_alloc_failed"};

    private OutOfMemory() {}

    /** Whether {@code t}, or one of its causes, is libtorch failing to allocate. */
    public static boolean isOutOfMemory(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof EngineException && c.getMessage() != null) {
                String m = c.getMessage().toLowerCase(Locale.ROOT);
                for (String fragment : MESSAGES) {
                    if (m.contains(fragment)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * After a failed job whose managers are closed: asks the JVM for a collection (for arrays only a finalizer-less
     * Java object still referenced) and, on CUDA, hands libtorch's cached free blocks back to the driver
     * ({@code torch.cuda.empty_cache()}, the one memory call DJL offers).
     */
    public static void release(DeviceSpec device) {
        System.gc();
        if (device.device().isGpu()) {
            JniUtils.emptyCudaCache();
        }
    }
}
