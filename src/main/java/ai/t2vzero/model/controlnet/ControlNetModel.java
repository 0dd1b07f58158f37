package ai.t2vzero.model.controlnet;

import ai.t2vzero.model.unet.ControlNetOutput;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.model.nn.Conv2d;
import ai.t2vzero.model.unet.BlockSettings;
import ai.t2vzero.model.unet.ForwardHook;
import ai.t2vzero.model.unet.TimestepEmbedding;
import ai.t2vzero.model.unet.Timesteps;
import ai.t2vzero.model.unet.UNet2DConditionModel;
import ai.t2vzero.model.unet.UNetDownBlock;
import ai.t2vzero.model.unet.UNetMidBlock2DCrossAttn;
import ai.t2vzero.runtime.Scopes;
import ai.t2vzero.weights.ModelBundle;
import ai.t2vzero.weights.WeightScope;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code ControlNetModel}: a copy of the UNet's encoder (time embedding, conv_in, down blocks, mid block)
 * whose input is the latent plus the encoded conditioning image, and whose every skip connection and mid output
 * goes through a zero-initialized 1x1 conv ({@code controlnet_down_blocks.K}, {@code controlnet_mid_block}) to
 * become a residual for the UNet, multiplied by the conditioning scale (guess_mode off). The down and mid blocks are
 * the UNet's classes; attention processors are chosen per call (Text2Video-Zero uses cross-frame attention here
 * too).
 *
 * <p>Legend: B batch, C channels, h, w latent size, L text tokens, D text width, T time-embedding width.
 */
public final class ControlNetModel {

    private final ControlNetConfig config;
    private final NDManager manager;
    private final DataType dtype;
    private final Timesteps timeProj;
    private final TimestepEmbedding timeEmbedding;
    private final Conv2d convIn;
    private final ControlNetConditioningEmbedding controlnetCondEmbedding;
    private final List<UNetDownBlock> downBlocks;
    private final List<Conv2d> controlnetDownBlocks;
    private final UNetMidBlock2DCrossAttn midBlock;
    private final Conv2d controlnetMidBlock;
    private final List<String> downBlockNames;

    private ControlNetModel(ControlNetConfig config, NDManager manager, DataType dtype, Timesteps timeProj,
                            TimestepEmbedding timeEmbedding, Conv2d convIn,
                            ControlNetConditioningEmbedding controlnetCondEmbedding, List<UNetDownBlock> downBlocks,
                            List<Conv2d> controlnetDownBlocks, UNetMidBlock2DCrossAttn midBlock,
                            Conv2d controlnetMidBlock) {
        this.config = config;
        this.manager = manager;
        this.dtype = dtype;
        this.timeProj = timeProj;
        this.timeEmbedding = timeEmbedding;
        this.convIn = convIn;
        this.controlnetCondEmbedding = controlnetCondEmbedding;
        this.downBlocks = List.copyOf(downBlocks);
        this.controlnetDownBlocks = List.copyOf(controlnetDownBlocks);
        this.midBlock = midBlock;
        this.controlnetMidBlock = controlnetMidBlock;
        List<String> names = new ArrayList<>();
        for (int i = 0; i < downBlocks.size(); i++) {
            names.add("down_blocks." + i);
        }
        this.downBlockNames = List.copyOf(names);
    }

    /**
     * Loads {@code component} of a bundle ({@code "controlnet"}, or {@code "."} for a ControlNet repo folder) in
     * {@code dtype}, weights in a sub-manager of {@code manager}; strict like every load.
     */
    public static ControlNetModel load(ModelBundle bundle, String component, NDManager manager, DataType dtype) {
        ControlNetConfig config = ControlNetConfig.from(bundle.config(component));
        return bundle.loadStrict(component, manager, dtype, w -> load(config, w));
    }

    public static ControlNetModel load(ControlNetConfig c, WeightScope w) {
        BlockSettings s = c.blockSettings();
        int n = c.levels();
        List<Integer> channels = c.blockOutChannels();
        long first = channels.get(0);
        NDManager manager = w.store().manager();
        // 1. time
        Timesteps timeProj = Timesteps.create(manager, (int) first, c.flipSinToCos(), c.freqShift());
        TimestepEmbedding timeEmbedding = TimestepEmbedding.load(w.child("time_embedding"), first, c.timeEmbedDim());
        // 2. pre-process: latent and conditioning image
        Conv2d convIn = Conv2d.load3x3(w.child("conv_in"), c.inChannels(), first);
        ControlNetConditioningEmbedding cond = ControlNetConditioningEmbedding.load(w.child("controlnet_cond_embedding"),
                c.conditioningChannels(), c.conditioningEmbeddingOutChannels(), first);
        // 3. down, with one zero conv per output state (conv_in's first)
        WeightScope zero = w.child("controlnet_down_blocks");
        List<Conv2d> controlnetDown = new ArrayList<>();
        controlnetDown.add(Conv2d.load1x1(zero.child(0), first, first));
        List<UNetDownBlock> down = new ArrayList<>();
        long out = first;
        for (int i = 0; i < n; i++) {
            long in = out;
            out = channels.get(i);
            UNetDownBlock block = UNetDownBlock.load(c.downBlockTypes().get(i), w.child("down_blocks").child(i), in, out,
                    c.layersPerBlock().get(i), i < n - 1, c.attentionHeads().get(i),
                    c.transformerLayersPerBlock().get(i), s);
            down.add(block);
            for (int j = 0; j < block.numOutputStates(); j++) {
                controlnetDown.add(Conv2d.load1x1(zero.child(controlnetDown.size()), out, out));
            }
        }
        // 4. mid
        long midChannels = channels.get(n - 1);
        UNetMidBlock2DCrossAttn mid = UNetMidBlock2DCrossAttn.load(w.child("mid_block"), midChannels,
                c.attentionHeads().get(n - 1), c.transformerLayersPerBlock().get(n - 1), s);
        Conv2d controlnetMid = Conv2d.load1x1(w.child("controlnet_mid_block"), midChannels, midChannels);
        return new ControlNetModel(c, manager, w.store().dtype(), timeProj, timeEmbedding, convIn, cond, down,
                controlnetDown, mid, controlnetMid);
    }

    /** As {@link #forward(NDArray, NDArray, NDArray, NDArray, float, AttnProcessors, ForwardHook)} without a hook. */
    public ControlNetOutput forward(NDArray sample, NDArray timestep, NDArray encoderHiddenStates,
                                    NDArray controlnetCond, float conditioningScale, AttnProcessors processors) {
        return forward(sample, timestep, encoderHiddenStates, controlnetCond, conditioningScale, processors,
                ForwardHook.NONE);
    }

    /**
     * The residuals for the UNet.
     *
     * @param sample              [B, in_channels, h, w]
     * @param timestep            0-d, [1] or [B]; int64 or float
     * @param encoderHiddenStates [B, L, D]
     * @param controlnetCond      [B, conditioning_channels, 8h, 8w] in [0, 1]
     * @param conditioningScale   multiplies every residual
     * @param hook                sees time_embedding, conv_in, controlnet_cond_embedding, down_blocks.N(...), mid_block
     */
    public ControlNetOutput forward(NDArray sample, NDArray timestep, NDArray encoderHiddenStates,
                                    NDArray controlnetCond, float conditioningScale, AttnProcessors processors,
                                    ForwardHook hook) {
        NDList residuals = Scopes.keepAll(() -> {
            long batch = sample.getShape().get(0);
            // 1. time
            NDArray emb = UNet2DConditionModel.timeEmbedding(timestep, batch, timeProj, timeEmbedding, dtype); // [B, T]
            hook.onOutput("time_embedding", emb);
            // 2. pre-process
            NDArray x = convIn.forward(sample);                                                 // [B, C0, h, w]
            hook.onOutput("conv_in", x);
            NDArray image = config.bgrConditioning() ? controlnetCond.flip(1) : controlnetCond;
            NDArray cond = controlnetCondEmbedding.forward(image);                              // [B, C0, h, w]
            hook.onOutput("controlnet_cond_embedding", cond);
            x.addi(cond);
            // 3. down
            List<NDArray> downBlockResSamples = new ArrayList<>();
            downBlockResSamples.add(x);
            for (int i = 0; i < downBlocks.size(); i++) {
                NDList states = downBlocks.get(i).forward(x, emb, encoderHiddenStates, processors, hook);
                downBlockResSamples.addAll(states);
                x = states.get(states.size() - 1);
                hook.onOutput(downBlockNames.get(i), x);
            }
            // 4. mid
            x = midBlock.forward(x, emb, encoderHiddenStates, processors);
            hook.onOutput("mid_block", x);
            // 5. control net blocks, scaled
            NDList out = new NDList();
            for (int i = 0; i < downBlockResSamples.size(); i++) {
                out.add(controlnetDownBlocks.get(i).forward(downBlockResSamples.get(i)).muli(conditioningScale));
            }
            out.add(controlnetMidBlock.forward(x).muli(conditioningScale));
            return out;
        });
        List<NDArray> down = new ArrayList<>(residuals.subList(0, residuals.size() - 1));
        return new ControlNetOutput(down, residuals.get(residuals.size() - 1));
    }

    public ControlNetConfig config() {
        return config;
    }

    /** The manager holding the weights. */
    public NDManager manager() {
        return manager;
    }
}
