package ai.t2vzero.function;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Test double of {@link NativeAllocationGuard}, enabled only by {@link NativeOutOfMemoryTest.Profile}: after
 * {@link #failNext(int)}, the next guarded pieces of native work first make libtorch allocate 1 PiB, a real
 * allocation through libtorch's allocator that fails the way a full GPU or host does (a real
 * {@code ai.djl.engine.EngineException} with libtorch's own message), inside the work the guard runs.
 */
@Alternative
@ApplicationScoped
public class FailingAllocationGuard extends NativeAllocationGuard {

    private final AtomicInteger failures = new AtomicInteger();

    void failNext(int calls) {
        failures.set(calls);
    }

    int pendingFailures() {
        return failures.get();
    }

    @Override
    public <T> T run(Supplier<T> work) {
        if (failures.getAndUpdate(n -> Math.max(0, n - 1)) == 0) {
            return super.run(work);
        }
        return super.run(() -> {
            try (NDManager job = NDManager.newBaseManager(Device.cpu())) {
                job.ones(new Shape(64, 64));                 // the job's first tensors
                job.zeros(new Shape(1L << 48));              // then one that does not fit
            }
            return work.get();
        });
    }
}
