package ai.t2vzero.function;

import ai.t2vzero.errors.ServiceUnavailableException;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import ai.t2vzero.bundle.BundleRegistry;
import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.runtime.NativeMemory;
import ai.t2vzero.runtime.OutOfMemory;

/**
 * What a job's native work (bundle load, denoising, decoding) runs through. When libtorch runs out of memory, on the
 * GPU ({@code "CUDA out of memory"}) or on the CPU ({@code "DefaultCPUAllocator: can't allocate memory"}), the job
 * fails with 503 + Retry-After instead of 500: the request was fine, the machine was full (another tenant of the GPU,
 * a larger request just before). By the time the failure arrives here, the work's own managers have been closed by
 * their try-with-resources, which frees its tensors; this then releases what libtorch still caches
 * ({@link OutOfMemory#release}). Model weights stay loaded. The next request
 * runs normally.
 *
 * <p>The work is a {@link Supplier} so that tests can run it through a real failing libtorch allocation.
 */
@ApplicationScoped
public class NativeAllocationGuard {

    private static final Logger LOG = Logger.getLogger(NativeAllocationGuard.class);

    @Inject
    T2vConfig config;

    @Inject
    BundleRegistry bundles;

    /** Runs {@code work}; a libtorch out-of-memory becomes a {@link ServiceUnavailableException} after releasing memory. */
    public <T> T run(Supplier<T> work) {
        try {
            return work.get();
        } catch (RuntimeException e) {
            if (!OutOfMemory.isOutOfMemory(e)) {
                throw e;
            }
            long before = NativeMemory.residentBytes();
            OutOfMemory.release(bundles.device());
            LOG.warnf("libtorch ran out of memory (%s); job refused with 503, resident memory %d MiB -> %d MiB",
                    e.getMessage(), before >> 20, NativeMemory.residentBytes() >> 20);
            throw new ServiceUnavailableException("out of memory on " + bundles.device()
                    + " while generating; retry later, or with fewer frames, a smaller size or a smaller chunkSize",
                    config.limits().busyRetryAfter(), e);
        }
    }

}
