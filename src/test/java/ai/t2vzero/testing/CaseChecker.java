package ai.t2vzero.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.Map;

/**
 * Runs our implementation on one reference case. {@link #compute} returns every name of {@code case.outputs()}
 * (same shapes; float32 or int64), and may add {@code debug/<module>} intermediates, which the suite compares
 * only to say where a divergence starts. Implementations are named {@code *Parity} and registered by kind in
 * {@link CaseCheckers}.
 */
public interface CaseChecker {

    Map<String, NDArray> compute(ParityCase c, NDManager manager) throws Exception;
}
