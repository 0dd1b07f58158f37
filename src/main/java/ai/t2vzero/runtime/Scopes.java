package ai.t2vzero.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;

import java.util.function.Supplier;

/**
 * Frees a block's intermediates as soon as the block returns. Every NDArray created inside
 * {@link #keep(Supplier)} is registered with a fresh {@link NDScope} and closed when the body returns, except the
 * result, which is handed to the enclosing scope (if any). Model blocks wrap their forward in it so that peak
 * native memory is one block's working set, not the whole network's.
 */
public final class Scopes {

    private Scopes() {}

    public static NDArray keep(Supplier<NDArray> body) {
        NDArray out;
        try (NDScope scope = new NDScope()) {
            out = body.get();
            NDScope.unregister(out);
        }
        NDScope.register(out);
        return out;
    }

    public static NDList keepAll(Supplier<NDList> body) {
        NDList out;
        try (NDScope scope = new NDScope()) {
            out = body.get();
            NDScope.unregister(out);
        }
        for (NDArray a : out) {
            NDScope.register(a);
        }
        return out;
    }
}
