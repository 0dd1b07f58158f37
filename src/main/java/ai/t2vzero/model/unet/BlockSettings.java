package ai.t2vzero.model.unet;

/**
 * What every block of one UNet or ControlNet shares, from its config.
 *
 * @param tembChannels        width of the time embedding the resnets project
 * @param groups              groups of every GroupNorm (norm_num_groups)
 * @param eps                 epsilon of the resnets' GroupNorms (norm_eps)
 * @param crossAttentionDim   width of the text encoder's hidden states
 * @param useLinearProjection Transformer2DModel proj_in/proj_out are Linear (SD 2.x) rather than 1x1 Conv
 * @param upcastAttention     attention scores in float32 under half precision
 * @param downsamplePadding   padding of the downsamplers' stride-2 convs
 */
public record BlockSettings(long tembChannels, int groups, double eps, long crossAttentionDim,
                            boolean useLinearProjection, boolean upcastAttention, int downsamplePadding) {

    public static BlockSettings of(UNet2DConditionConfig c) {
        return new BlockSettings(c.timeEmbedDim(), c.normNumGroups(), c.normEps(), c.crossAttentionDim(),
                c.useLinearProjection(), c.upcastAttention(), c.downsamplePadding());
    }
}
