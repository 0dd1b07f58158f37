package ai.t2vzero.model.unet;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.weights.WeightScope;

import java.util.List;

/** An up block of the UNet decoder ({@link CrossAttnUpBlock2D}, {@link UpBlock2D}). */
public interface UNetUpBlock {

    /**
     * hidden [B, Cprev, H, W] and this block's skip connections {@code resHiddenStates} (consumed from the last,
     * as diffusers pops them) -> [B, Cout, H', W']; {@code upsampleSize} (h, w) is the next skip's size, or null.
     */
    NDArray forward(NDArray hidden, List<NDArray> resHiddenStates, NDArray temb, NDArray encoderHiddenStates,
                    AttnProcessors processors, long[] upsampleSize, ForwardHook hook);

    /** How many skip connections the block consumes (= its resnets). */
    int numResnets();

    /**
     * diffusers' {@code get_up_block}: resnet j takes the previous output ({@code prevOut} for j = 0) concatenated
     * with a skip of {@code in} channels for the last resnet, {@code out} channels otherwise.
     */
    static UNetUpBlock load(String type, WeightScope w, long in, long out, long prevOut, int layers, boolean addUpsample,
                            int heads, int transformerLayers, BlockSettings s) {
        return switch (type) {
            case UNet2DConditionConfig.CROSS_ATTN_UP ->
                    CrossAttnUpBlock2D.load(w, in, out, prevOut, layers, addUpsample, heads, transformerLayers, s);
            case UNet2DConditionConfig.UP -> UpBlock2D.load(w, in, out, prevOut, layers, addUpsample, s);
            default -> throw new IllegalArgumentException("unsupported up block type " + type);
        };
    }

    /** Input channels of resnet j of an up block: previous output plus the skip it consumes. */
    static long resnetInChannels(int j, int layers, long in, long out, long prevOut) {
        long skip = j == layers - 1 ? in : out;
        long previous = j == 0 ? prevOut : out;
        return previous + skip;
    }
}
