package ai.t2vzero.model.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.weights.WeightScope;

/** A down block of the UNet or ControlNet encoder ({@link CrossAttnDownBlock2D}, {@link DownBlock2D}). */
public interface UNetDownBlock {

    /**
     * hidden [B, Cin, H, W], temb [B, T], text [B, L, D] -> the output states diffusers returns as
     * {@code res_samples}: one per resnet (after its attention) plus the downsampler's; the last is the hidden
     * states passed on.
     */
    NDList forward(NDArray hidden, NDArray temb, NDArray encoderHiddenStates, AttnProcessors processors,
                   ForwardHook hook);

    /** How many output states {@link #forward} returns. */
    int numOutputStates();

    /** diffusers' {@code get_down_block} for the types we implement. */
    static UNetDownBlock load(String type, WeightScope w, long in, long out, int layers, boolean addDownsample,
                              int heads, int transformerLayers, BlockSettings s) {
        return switch (type) {
            case UNet2DConditionConfig.CROSS_ATTN_DOWN ->
                    CrossAttnDownBlock2D.load(w, in, out, layers, addDownsample, heads, transformerLayers, s);
            case UNet2DConditionConfig.DOWN -> DownBlock2D.load(w, in, out, layers, addDownsample, s);
            default -> throw new IllegalArgumentException("unsupported down block type " + type);
        };
    }
}
