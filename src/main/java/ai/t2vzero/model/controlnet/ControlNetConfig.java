package ai.t2vzero.model.controlnet;

import ai.t2vzero.model.unet.BlockSettings;
import ai.t2vzero.model.unet.UNet2DConditionConfig;
import ai.t2vzero.weights.ConfigJson;
import ai.t2vzero.weights.WeightLoadException;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * diffusers' {@code ControlNetModel} config ({@code config.json} of a ControlNet repo): the UNet's down path and mid
 * block plus the conditioning-image encoder. SD 1.x / 2.x options only; others are refused naming the key.
 *
 * <pre>
 * // https://huggingface.co/lllyasviel/sd-controlnet-canny/blob/main/config.json
 * //   block_out_channels [320, 640, 1280, 1280], conditioning_embedding_out_channels [16, 32, 96, 256]
 * </pre>
 *
 * @param inChannels                        channels of the latent sample
 * @param conditioningChannels              channels of the conditioning image (3)
 * @param conditioningEmbeddingOutChannels  channels of the conditioning encoder's levels (each but the first halves
 *                                          the image size)
 * @param bgrConditioning                   controlnet_conditioning_channel_order "bgr": the image's channels are
 *                                          flipped first
 * @param blockOutChannels                  output channels of each down block
 * @param downBlockTypes                    "CrossAttnDownBlock2D" or "DownBlock2D" per level
 * @param layersPerBlock                    resnets per down block
 * @param attentionHeads                    heads of each down block's transformers ({@code num_attention_heads}, else
 *                                          {@code attention_head_dim}: diffusers' SD 1.5 quirk)
 * @param transformerLayersPerBlock         transformer blocks per Transformer2DModel of each down block
 * @param crossAttentionDim                 width of the text encoder's hidden states
 * @param normNumGroups                     groups of every GroupNorm
 * @param normEps                           epsilon of the resnets' GroupNorms
 * @param flipSinToCos                      timestep embedding as [cos, sin]
 * @param freqShift                         downscale_freq_shift of the sinusoidal embedding
 * @param useLinearProjection               Linear proj_in/proj_out (SD 2.x)
 * @param upcastAttention                   attention scores in float32 under half precision
 * @param downsamplePadding                 padding of the downsamplers' convs
 */
public record ControlNetConfig(
        int inChannels,
        int conditioningChannels,
        List<Integer> conditioningEmbeddingOutChannels,
        boolean bgrConditioning,
        List<Integer> blockOutChannels,
        List<String> downBlockTypes,
        List<Integer> layersPerBlock,
        List<Integer> attentionHeads,
        List<Integer> transformerLayersPerBlock,
        int crossAttentionDim,
        int normNumGroups,
        double normEps,
        boolean flipSinToCos,
        double freqShift,
        boolean useLinearProjection,
        boolean upcastAttention,
        int downsamplePadding) {

    public ControlNetConfig {
        conditioningEmbeddingOutChannels = List.copyOf(conditioningEmbeddingOutChannels);
        blockOutChannels = List.copyOf(blockOutChannels);
        downBlockTypes = List.copyOf(downBlockTypes);
        layersPerBlock = List.copyOf(layersPerBlock);
        attentionHeads = List.copyOf(attentionHeads);
        transformerLayersPerBlock = List.copyOf(transformerLayersPerBlock);
    }

    public static ControlNetConfig from(ConfigJson c) {
        UNet2DConditionConfig.requireSupportedEncoder(c);
        c.requireUnsupported("global_pool_conditions", false);
        String order = c.getString("controlnet_conditioning_channel_order", "rgb").toLowerCase(Locale.ROOT);
        if (!order.equals("rgb") && !order.equals("bgr")) {
            throw new WeightLoadException(c.source() + ": 'controlnet_conditioning_channel_order' = " + order
                    + " is not supported (rgb or bgr)");
        }
        // missing keys take diffusers' defaults
        List<Integer> channels = c.has("block_out_channels") ? c.getIntList("block_out_channels")
                : UNet2DConditionConfig.DEFAULT_CHANNELS;
        int n = channels.size();
        List<String> down = c.has("down_block_types") ? c.getStringList("down_block_types")
                : UNet2DConditionConfig.DEFAULT_DOWN;
        UNet2DConditionConfig.requireTypes(c, "down_block_types", down, n,
                Set.of(UNet2DConditionConfig.CROSS_ATTN_DOWN, UNet2DConditionConfig.DOWN));
        return new ControlNetConfig(
                c.getInt("in_channels", 4),
                c.getInt("conditioning_channels", 3),
                c.has("conditioning_embedding_out_channels")
                        ? c.getIntList("conditioning_embedding_out_channels") : List.of(16, 32, 96, 256),
                order.equals("bgr"),
                channels,
                down,
                UNet2DConditionConfig.intOrList(c, "layers_per_block", n, 2),
                UNet2DConditionConfig.attentionHeads(c, n),
                UNet2DConditionConfig.intOrList(c, "transformer_layers_per_block", n, 1),
                UNet2DConditionConfig.crossAttentionDim(c),
                c.getInt("norm_num_groups", 32),
                c.getDouble("norm_eps", 1e-5),
                c.getBool("flip_sin_to_cos", true),
                c.getDouble("freq_shift", 0),
                c.getBool("use_linear_projection", false),
                c.getBool("upcast_attention", false),
                c.getInt("downsample_padding", 1));
    }

    public int levels() {
        return blockOutChannels.size();
    }

    /** Width of the time embedding: 4 x block_out_channels[0], as diffusers' ControlNetModel. */
    public int timeEmbedDim() {
        return blockOutChannels.get(0) * 4;
    }

    public BlockSettings blockSettings() {
        return new BlockSettings(timeEmbedDim(), normNumGroups, normEps, crossAttentionDim, useLinearProjection,
                upcastAttention, downsamplePadding);
    }
}
