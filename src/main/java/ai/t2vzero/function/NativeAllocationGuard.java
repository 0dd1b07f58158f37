package ai.t2vzero.function;

import java.time.Duration;
import java.util.Locale;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import ai.djl.engine.EngineException;
import ai.djl.pytorch.jni.JniUtils;
import ai.t2vzero.bundle.BundleRegistry;
import ai.t2vzero.runtime.NativeMemory;

/**
 * What a job's native work (bundle load, denoising, decoding) runs through. When libtorch runs out of memory, on the
 * GPU ({@code "CUDA out of memory"}) or on the CPU ({@code "DefaultCPUAllocator: can't allocate memory"}), the job
 * fails with 503 + Retry-After instead of 500: the request was fine, the machine was full (another tenant of the GPU,
 * a larger request just before). By the time the failure arrives here, the work's own managers have been closed by
 * their try-with-resources, which frees its tensors; this then asks the JVM for a collection (for arrays that only a
 * finalizer-less Java object still referenced) and, on CUDA, hands libtorch's cached free blocks back to the driver
 * ({@code torch.cuda.empty_cache()}, the one memory call DJL offers). Model weights stay loaded. The next request
 * runs normally.
 *
 * <p>The work is a {@link Supplier} so that tests can run it through a real failing libtorch allocation.
 */
@ApplicationScoped
public class NativeAllocationGuard {

    private static final Logger LOG = Logger.getLogger(NativeAllocationGuard.class);

    static final Duration RETRY_AFTER = Duration.ofSeconds(30);

    /** Fragments of libtorch's out-of-memory messages (c10::OutOfMemoryError, the CPU allocator, CUDA/cuBLAS/cuDNN). */
    private static final String[] OUT_OF_MEMORY = {
            "out of memory", "can't allocate memory", "cannot allocate memory", "cublas_status_alloc_failed",
            "cudnn_status_alloc_failed"};

    @Inject
    BundleRegistry bundles;

    /** Runs {@code work}; a libtorch out-of-memory becomes a {@link ServiceUnavailableException} after releasing memory. */
    public <T> T run(Supplier<T> work) {
        try {
            return work.get();
        } catch (RuntimeException e) {
            if (!isOutOfMemory(e)) {
                throw e;
            }
            long before = NativeMemory.residentBytes();
            release();
            LOG.warnf("libtorch ran out of memory (%s); job refused with 503, resident memory %d MiB -> %d MiB",
                    e.getMessage(), before >> 20, NativeMemory.residentBytes() >> 20);
            throw new ServiceUnavailableException("out of memory on " + bundles.device()
                    + " while generating; retry later, or with fewer frames, a smaller size or a smaller chunkSize",
                    RETRY_AFTER, e);
        }
    }

    /** Whether {@code t}, or one of its causes, is libtorch failing to allocate. */
    public static boolean isOutOfMemory(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof EngineException && c.getMessage() != null) {
                String m = c.getMessage().toLowerCase(Locale.ROOT);
                for (String fragment : OUT_OF_MEMORY) {
                    if (m.contains(fragment)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private void release() {
        System.gc();
        if (bundles.device().device().isGpu()) {
            JniUtils.emptyCudaCache();
        }
    }
}
