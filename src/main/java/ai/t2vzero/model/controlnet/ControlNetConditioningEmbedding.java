package ai.t2vzero.model.controlnet;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.model.nn.Activations;
import ai.t2vzero.model.nn.Conv2d;
import ai.t2vzero.runtime.Scopes;
import ai.t2vzero.weights.WeightScope;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code ControlNetConditioningEmbedding}: encodes the conditioning image (8x the latent size) to the
 * latent grid.
 * <pre>
 *   x = silu(conv_in(image))
 *   per level i: x = silu(blocks.2i(x)); x = silu(blocks.2i+1(x))     (3x3, then 3x3 stride 2 to the next width)
 *   out = conv_out(x)                                                  (zero-initialized in training)
 * </pre>
 */
public final class ControlNetConditioningEmbedding {

    private final Conv2d convIn;
    private final List<Conv2d> blocks;
    private final Conv2d convOut;

    private ControlNetConditioningEmbedding(Conv2d convIn, List<Conv2d> blocks, Conv2d convOut) {
        this.convIn = convIn;
        this.blocks = List.copyOf(blocks);
        this.convOut = convOut;
    }

    /**
     * @param conditioningChannels image channels (3)
     * @param channels             conditioning_embedding_out_channels
     * @param embeddingChannels    output channels (the ControlNet's block_out_channels[0])
     */
    public static ControlNetConditioningEmbedding load(WeightScope w, long conditioningChannels, List<Integer> channels,
                                                       long embeddingChannels) {
        List<Conv2d> blocks = new ArrayList<>();
        WeightScope b = w.child("blocks");
        for (int i = 0; i < channels.size() - 1; i++) {
            long in = channels.get(i);
            long out = channels.get(i + 1);
            blocks.add(Conv2d.load3x3(b.child(2 * i), in, in));
            blocks.add(Conv2d.load(b.child(2 * i + 1), in, out, 3, 2, 1));
        }
        return new ControlNetConditioningEmbedding(
                Conv2d.load3x3(w.child("conv_in"), conditioningChannels, channels.get(0)),
                blocks,
                Conv2d.load3x3(w.child("conv_out"), channels.get(channels.size() - 1), embeddingChannels));
    }

    /** [B, Ccond, 8h, 8w] -> [B, embeddingChannels, h, w] (for 4 levels). */
    public NDArray forward(NDArray conditioning) {
        return Scopes.keep(() -> {
            NDArray x = silu(convIn.forward(conditioning));
            for (Conv2d block : blocks) {
                NDArray next = silu(block.forward(x));
                x.close();
                x = next;
            }
            return convOut.forward(x);
        });
    }

    private static NDArray silu(NDArray x) {
        NDArray y = Activations.silu(x);
        x.close();
        return y;
    }
}
