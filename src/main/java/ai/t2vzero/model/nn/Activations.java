package ai.t2vzero.model.nn;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.runtime.OpProfiler;

import java.util.Locale;

/** The activation functions the SD 1.x family uses, by their config names. */
public final class Activations {

    private Activations() {}

    /** SiLU / swish: {@code x * sigmoid(x)}. */
    public static NDArray silu(NDArray x) {
        long t = OpProfiler.start();
        NDArray s = x.getNDArrayInternal().sigmoid().muli(x);
        OpProfiler.stop("silu", t);
        return s;
    }

    /** CLIP's quick_gelu: {@code x * sigmoid(1.702 x)}. */
    public static NDArray quickGelu(NDArray x) {
        NDArray t = x.mul(1.702f);
        NDArray s = t.getNDArrayInternal().sigmoid();
        t.close();
        return s.muli(x);
    }

    /** Exact (erf) GELU, torch's default. */
    public static NDArray gelu(NDArray x) {
        return x.getNDArrayInternal().gelu();
    }

    /** Looks up an activation by its diffusers/transformers config name ("silu", "swish", "quick_gelu", "gelu"). */
    public static java.util.function.UnaryOperator<NDArray> byName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "silu", "swish" -> Activations::silu;
            case "quick_gelu" -> Activations::quickGelu;
            case "gelu" -> Activations::gelu;
            default -> throw new IllegalArgumentException("unsupported activation '" + name + "'");
        };
    }
}
