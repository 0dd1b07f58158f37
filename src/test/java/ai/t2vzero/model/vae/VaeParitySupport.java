package ai.t2vzero.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.t2vzero.testing.ParityCase;
import ai.t2vzero.testing.ParityPrecision;
import ai.t2vzero.weights.ModelBundle;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/** What the VAE parity checkers share: loading the case's VAE and collecting requested debug tensors. */
final class VaeParitySupport {

    private VaeParitySupport() {}

    /** The case's {@code model} is the VAE component folder of a bundle: load it as that bundle's component. */
    static AutoencoderKL load(ParityCase c, NDManager manager) {
        Path dir = c.modelDir();
        ModelBundle bundle = new ModelBundle(dir.getParent());
        return AutoencoderKL.load(bundle, dir.getFileName().toString(), manager, ParityPrecision.products());
    }

    /** A tap copying every module named in {@code params.debug_tensors} into {@code out} as {@code debug/<module>}. */
    static BiConsumer<String, NDArray> debugTap(ParityCase c, NDManager manager, Map<String, NDArray> out) {
        Set<String> wanted = new HashSet<>();
        c.params().path("debug_tensors").forEach(n -> wanted.add(n.asText()));
        return (module, value) -> {
            String key = "debug/" + module;
            if (wanted.contains(key)) {
                NDArray copy = value.duplicate();
                NDScope.unregister(copy);
                copy.attach(manager);
                out.put(key, copy);
            }
        };
    }
}
