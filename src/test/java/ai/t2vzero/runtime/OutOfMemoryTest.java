package ai.t2vzero.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** libtorch's own failures, as DJL reports them, are told apart: out of memory or not. */
class OutOfMemoryTest {

    @Test
    void aFailedLibtorchAllocationIsOutOfMemory() {
        TorchRuntime.engine();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            // 2^48 floats = 1 PiB: the CPU allocator refuses ("DefaultCPUAllocator: can't allocate memory")
            EngineException e = assertThrows(EngineException.class, () -> m.zeros(new Shape(1L << 48)));
            assertTrue(OutOfMemory.isOutOfMemory(e), e.getMessage());
            assertTrue(OutOfMemory.isOutOfMemory(new IllegalStateException("wrapped", e)), "found as a cause");
            // the manager still works afterwards
            assertTrue(m.ones(new Shape(2, 2)).sum().getFloat() == 4f);
        }
    }

    @Test
    void otherLibtorchErrorsAreNot() {
        TorchRuntime.engine();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Exception e = assertThrows(EngineException.class,
                    () -> m.ones(new Shape(2, 3)).matMul(m.ones(new Shape(2, 3))));
            assertFalse(OutOfMemory.isOutOfMemory(e), e.getMessage());
        }
        assertFalse(OutOfMemory.isOutOfMemory(new OutOfMemoryError("Java heap space")),
                "the Java heap is not libtorch's");
        assertFalse(OutOfMemory.isOutOfMemory(new IllegalStateException("out of memory")),
                "only libtorch's own exception counts");
    }
}
