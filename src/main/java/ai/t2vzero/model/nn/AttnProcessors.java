package ai.t2vzero.model.nn;

import java.util.function.Function;

/**
 * Which processor each attention layer uses in one forward call, by the layer's checkpoint path
 * (e.g. {@code down_blocks.0.attentions.0.transformer_blocks.0.attn1}), and the call's token merging
 * ({@link TokenMerging#OFF} unless set with {@link #withTokenMerging}).
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

    /** Token merging of the transformer blocks' self-attention in this call (tomesd); off unless set. */
    default TokenMerging tokenMerging() {
        return TokenMerging.OFF;
    }

    /** The same processors, with {@code merging} in the transformer blocks. */
    default AttnProcessors withTokenMerging(TokenMerging merging) {
        AttnProcessors layers = this;
        return new AttnProcessors() {
            @Override
            public AttnProcessor apply(String name) {
                return layers.apply(name);
            }

            @Override
            public TokenMerging tokenMerging() {
                return merging;
            }
        };
    }
}
