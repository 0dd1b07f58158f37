package ai.t2vzero.model.nn;

import java.util.function.Function;

/**
 * Which processor each attention layer uses in one forward call, by the layer's checkpoint path
 * (e.g. {@code down_blocks.0.attentions.0.transformer_blocks.0.attn1}).
 */
@FunctionalInterface
public interface AttnProcessors extends Function<String, AttnProcessor> {

    AttnProcessors DEFAULT = all(DefaultAttnProcessor.INSTANCE);

    static AttnProcessors all(AttnProcessor p) {
        return name -> p;
    }

    default AttnProcessor forLayer(String name) {
        return apply(name);
    }
}
