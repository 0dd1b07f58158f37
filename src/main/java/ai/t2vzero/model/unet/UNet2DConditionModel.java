package ai.t2vzero.model.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.t2vzero.model.nn.Activations;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.model.nn.Conv2d;
import ai.t2vzero.model.nn.GroupNorm;
import ai.t2vzero.runtime.Scopes;
import ai.t2vzero.weights.ModelBundle;
import ai.t2vzero.weights.WeightScope;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code UNet2DConditionModel} for Stable Diffusion 1.x / 2.x: predicts the noise of a latent sample at a
 * timestep, conditioned on text hidden states. Stateless after loading; the attention processors (plain or
 * Text2Video-Zero's cross-frame) and optional ControlNet residuals are chosen per call, so one loaded model serves
 * every request.
 *
 * <p>Legend: B batch, C channels, h, w latent size, L text tokens (77), D text width, T time-embedding width.
 */
public final class UNet2DConditionModel {

    private final UNet2DConditionConfig config;
    private final NDManager manager;
    private final DataType dtype;
    private final Timesteps timeProj;
    private final TimestepEmbedding timeEmbedding;
    private final Conv2d convIn;
    private final List<UNetDownBlock> downBlocks;
    private final UNetMidBlock2DCrossAttn midBlock;
    private final List<UNetUpBlock> upBlocks;
    private final GroupNorm convNormOut;
    private final Conv2d convOut;
    private final List<String> downBlockNames;
    private final List<String> upBlockNames;

    private UNet2DConditionModel(UNet2DConditionConfig config, NDManager manager, DataType dtype, Timesteps timeProj,
                                 TimestepEmbedding timeEmbedding, Conv2d convIn, List<UNetDownBlock> downBlocks,
                                 UNetMidBlock2DCrossAttn midBlock, List<UNetUpBlock> upBlocks, GroupNorm convNormOut,
                                 Conv2d convOut) {
        this.config = config;
        this.manager = manager;
        this.dtype = dtype;
        this.timeProj = timeProj;
        this.timeEmbedding = timeEmbedding;
        this.convIn = convIn;
        this.downBlocks = List.copyOf(downBlocks);
        this.midBlock = midBlock;
        this.upBlocks = List.copyOf(upBlocks);
        this.convNormOut = convNormOut;
        this.convOut = convOut;
        this.downBlockNames = CrossAttnDownBlock2D.names("down_blocks.", downBlocks.size());
        this.upBlockNames = CrossAttnDownBlock2D.names("up_blocks.", upBlocks.size());
    }

    /**
     * Loads {@code component} of a diffusers bundle ({@code "unet"}; {@code "."} for a folder that is the UNet itself)
     * in {@code dtype}. The weights live in a sub-manager of {@code manager} ({@link #manager()}); the load is strict:
     * missing, mis-shaped or unused tensors fail it, all named in one message.
     */
    public static UNet2DConditionModel load(ModelBundle bundle, String component, NDManager manager, DataType dtype) {
        UNet2DConditionConfig config = UNet2DConditionConfig.from(bundle.config(component));
        return bundle.loadStrict(component, manager, dtype, w -> load(config, w));
    }

    /** Builds the module tree from a config and the checkpoint's root scope (weights in the scope's store). */
    public static UNet2DConditionModel load(UNet2DConditionConfig c, WeightScope w) {
        BlockSettings s = BlockSettings.of(c);
        int n = c.levels();
        List<Integer> channels = c.blockOutChannels();
        long first = channels.get(0);
        NDManager manager = w.store().manager();
        // 1. time
        Timesteps timeProj = Timesteps.create(manager, (int) first, c.flipSinToCos(), c.freqShift());
        TimestepEmbedding timeEmbedding = TimestepEmbedding.load(w.child("time_embedding"), first, c.timeEmbedDim());
        // 2. pre-process
        Conv2d convIn = Conv2d.load(w.child("conv_in"), c.inChannels(), first, c.convInKernel(), 1,
                (c.convInKernel() - 1) / 2);
        // 3. down
        List<UNetDownBlock> down = new ArrayList<>();
        long out = first;
        for (int i = 0; i < n; i++) {
            long in = out;
            out = channels.get(i);
            down.add(UNetDownBlock.load(c.downBlockTypes().get(i), w.child("down_blocks").child(i), in, out,
                    c.layersPerBlock().get(i), i < n - 1, c.attentionHeads().get(i),
                    c.transformerLayersPerBlock().get(i), s));
        }
        // 4. mid
        UNetMidBlock2DCrossAttn mid = UNetMidBlock2DCrossAttn.load(w.child("mid_block"), channels.get(n - 1),
                c.midBlockHeads(), c.transformerLayersPerBlock().get(n - 1), s);
        // 5. up: the down lists reversed
        List<Integer> revChannels = UNet2DConditionConfig.reversed(channels);
        List<Integer> revHeads = UNet2DConditionConfig.reversed(c.attentionHeads());
        List<Integer> revLayers = UNet2DConditionConfig.reversed(c.layersPerBlock());
        List<Integer> revTransformerLayers = UNet2DConditionConfig.reversed(c.transformerLayersPerBlock());
        List<UNetUpBlock> up = new ArrayList<>();
        out = revChannels.get(0);
        for (int i = 0; i < n; i++) {
            long prevOut = out;
            out = revChannels.get(i);
            long in = revChannels.get(Math.min(i + 1, n - 1));
            up.add(UNetUpBlock.load(c.upBlockTypes().get(i), w.child("up_blocks").child(i), in, out, prevOut,
                    revLayers.get(i) + 1, i < n - 1, revHeads.get(i), revTransformerLayers.get(i), s));
        }
        // 6. post-process
        GroupNorm convNormOut = GroupNorm.load(w.child("conv_norm_out"), c.normNumGroups(), first, c.normEps());
        Conv2d convOut = Conv2d.load(w.child("conv_out"), first, c.outChannels(), c.convOutKernel(), 1,
                (c.convOutKernel() - 1) / 2);
        return new UNet2DConditionModel(c, manager, w.store().dtype(), timeProj, timeEmbedding, convIn, down, mid, up,
                convNormOut, convOut);
    }

    /** As {@link #forward(NDArray, NDArray, NDArray, AttnProcessors, ControlNetOutput, ForwardHook)} without a hook. */
    public NDArray forward(NDArray sample, NDArray timestep, NDArray encoderHiddenStates, AttnProcessors processors,
                           ControlNetOutput residuals) {
        return forward(sample, timestep, encoderHiddenStates, processors, residuals, ForwardHook.NONE);
    }

    /**
     * The noise prediction.
     *
     * @param sample              [B, in_channels, h, w] in the model dtype
     * @param timestep            0-d, [1] or [B]; int64 or float (a training timestep, 0..999)
     * @param encoderHiddenStates [B, L, D]
     * @param processors          attention processor of each attention layer, by checkpoint path, and the call's
     *                            token merging (sized here by {@code sample}'s h x w)
     * @param residuals           ControlNet residuals added to the skip connections and the mid-block output, or null
     * @param hook                sees time_embedding, conv_in, down_blocks.N(.resnets.M|.attentions.M), mid_block,
     *                            up_blocks.N(...), conv_norm_out
     * @return [B, out_channels, h, w]
     */
    public NDArray forward(NDArray sample, NDArray timestep, NDArray encoderHiddenStates, AttnProcessors processors,
                           ControlNetOutput residuals, ForwardHook hook) {
        // tomesd's forward pre-hook: token merging sizes its grids by this call's latent
        AttnProcessors p = processors.tokenMerging().isOff() ? processors : processors.withTokenMerging(
                processors.tokenMerging().forLatent(sample.getShape().get(2), sample.getShape().get(3)));
        return Scopes.keep(() -> {
            long batch = sample.getShape().get(0);
            // 1. time
            NDArray emb = timeEmbedding(timestep, batch, timeProj, timeEmbedding, dtype);   // [B, T]
            hook.onOutput("time_embedding", emb);
            // 2. pre-process
            NDArray x = config.centerInputSample() ? sample.mul(2).subi(1) : sample;
            x = convIn.forward(x);                                                          // [B, C0, h, w]
            hook.onOutput("conv_in", x);
            // 3. down
            List<NDArray> downBlockResSamples = new ArrayList<>();
            downBlockResSamples.add(x);
            for (int i = 0; i < downBlocks.size(); i++) {
                NDList states = downBlocks.get(i).forward(x, emb, encoderHiddenStates, p, hook);
                downBlockResSamples.addAll(states);
                x = states.get(states.size() - 1);
                hook.onOutput(downBlockNames.get(i), x);
            }
            if (residuals != null) {
                addDownResiduals(downBlockResSamples, residuals.downBlockResSamples());
            }
            // 4. mid
            x = midBlock.forward(x, emb, encoderHiddenStates, p);
            hook.onOutput("mid_block", x);
            if (residuals != null) {
                x = x.addi(residuals.midBlockResSample());
            }
            // 5. up
            for (int i = 0; i < upBlocks.size(); i++) {
                UNetUpBlock block = upBlocks.get(i);
                int from = downBlockResSamples.size() - block.numResnets();
                List<NDArray> skips = downBlockResSamples.subList(from, downBlockResSamples.size());
                List<NDArray> remaining = downBlockResSamples.subList(0, from);
                // the upsampler targets the next skip's size (exact 2x unless a latent side was odd)
                long[] upsampleSize = i < upBlocks.size() - 1
                        ? remaining.get(remaining.size() - 1).getShape().slice(2).getShape() : null;
                NDArray next = block.forward(x, skips, emb, encoderHiddenStates, p, upsampleSize, hook);
                closeAll(skips);
                skips.clear();
                x.close();
                x = next;
                hook.onOutput(upBlockNames.get(i), x);
            }
            // 6. post-process
            NDArray normed = convNormOut.forward(x);
            hook.onOutput("conv_norm_out", normed);
            NDArray act = Activations.silu(normed);
            normed.close();
            return convOut.forward(act);                                                    // [B, out_channels, h, w]
        });
    }

    /** diffusers' time_proj + time_embedding, the timestep broadcast to the batch: -> [B, T] in {@code dtype}. */
    public static NDArray timeEmbedding(NDArray timestep, long batch, Timesteps timeProj,
                                        TimestepEmbedding timeEmbedding, DataType dtype) {
        NDArray tEmb = timeProj.forward(timestep, batch);                                  // [B, C0] float32
        NDArray cast = tEmb.toType(dtype, false);
        if (cast != tEmb) {
            tEmb.close();
        }
        NDArray emb = timeEmbedding.forward(cast);                                          // [B, T]
        cast.close();
        return emb;
    }

    /** skip connection i + residual i, replacing the list entries. */
    private static void addDownResiduals(List<NDArray> samples, List<NDArray> residuals) {
        if (residuals.size() != samples.size()) {
            throw new IllegalArgumentException("ControlNet gave " + residuals.size() + " down residuals, the UNet has "
                    + samples.size() + " skip connections");
        }
        for (int i = 0; i < samples.size(); i++) {
            // not in place: the skips are outputs the hook may have seen, and block outputs passed on as inputs
            samples.set(i, samples.get(i).add(residuals.get(i)));
        }
    }

    private static void closeAll(List<NDArray> arrays) {
        for (NDArray a : arrays) {
            a.close();
        }
    }

    public UNet2DConditionConfig config() {
        return config;
    }

    /** The manager holding the weights. */
    public NDManager manager() {
        return manager;
    }

    public DataType dtype() {
        return dtype;
    }
}
