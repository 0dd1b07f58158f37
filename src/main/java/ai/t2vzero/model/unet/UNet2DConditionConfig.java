package ai.t2vzero.model.unet;

import ai.t2vzero.weights.ConfigJson;
import ai.t2vzero.weights.WeightLoadException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * diffusers' {@code UNet2DConditionModel} config ({@code unet/config.json}), restricted to the Stable Diffusion 1.x
 * and 2.x architecture. Every other option is refused at load time, naming its key.
 *
 * <pre>
 * // https://huggingface.co/runwayml/stable-diffusion-v1-5/blob/main/unet/config.json
 * //   block_out_channels [320, 640, 1280, 1280], attention_head_dim 8 (= heads, see below), cross_attention_dim 768,
 * //   use_linear_projection false
 * // https://huggingface.co/stabilityai/stable-diffusion-2-1/blob/main/unet/config.json
 * //   attention_head_dim [5, 10, 20, 20], cross_attention_dim 1024, use_linear_projection true, upcast_attention true
 * </pre>
 *
 * @param inChannels                number of channels of the input sample (4; 8 for instruct-pix2pix)
 * @param outChannels               number of channels of the output
 * @param blockOutChannels          output channels of each down block (reversed for the up blocks)
 * @param downBlockTypes            "CrossAttnDownBlock2D" or "DownBlock2D" per level
 * @param upBlockTypes              "CrossAttnUpBlock2D" or "UpBlock2D" per level
 * @param layersPerBlock            resnets per down block (the up blocks have one more)
 * @param attentionHeads            heads of the transformers of each down block. SD 1.5 quirk kept from diffusers:
 *                                  {@code attention_head_dim} is really the number of heads when
 *                                  {@code num_attention_heads} is null; head dim = channels / heads
 * @param transformerLayersPerBlock transformer blocks per Transformer2DModel of each down block
 * @param crossAttentionDim         width of the text encoder's hidden states
 * @param normNumGroups             groups of every GroupNorm
 * @param normEps                   epsilon of the resnets' GroupNorms and of conv_norm_out
 * @param flipSinToCos              timestep embedding as [cos, sin] instead of [sin, cos]
 * @param freqShift                 downscale_freq_shift of the sinusoidal timestep embedding
 * @param timeEmbedDim              width of the time embedding ({@code time_embedding_dim} or 4 x block_out_channels[0])
 * @param useLinearProjection       proj_in/proj_out are Linear (SD 2.x) instead of 1x1 Conv (SD 1.x)
 * @param upcastAttention           compute attention scores in float32 under half precision (SD 2.1)
 * @param centerInputSample         map the sample with {@code 2 * x - 1} first
 * @param downsamplePadding         padding of the downsamplers' stride-2 convs
 * @param convInKernel              kernel of conv_in
 * @param convOutKernel             kernel of conv_out
 */
public record UNet2DConditionConfig(
        int inChannels,
        int outChannels,
        List<Integer> blockOutChannels,
        List<String> downBlockTypes,
        List<String> upBlockTypes,
        List<Integer> layersPerBlock,
        List<Integer> attentionHeads,
        List<Integer> transformerLayersPerBlock,
        int crossAttentionDim,
        int normNumGroups,
        double normEps,
        boolean flipSinToCos,
        double freqShift,
        int timeEmbedDim,
        boolean useLinearProjection,
        boolean upcastAttention,
        boolean centerInputSample,
        int downsamplePadding,
        int convInKernel,
        int convOutKernel) {

    public static final String CROSS_ATTN_DOWN = "CrossAttnDownBlock2D";
    public static final String DOWN = "DownBlock2D";
    public static final String CROSS_ATTN_UP = "CrossAttnUpBlock2D";
    public static final String UP = "UpBlock2D";
    public static final String MID_CROSS_ATTN = "UNetMidBlock2DCrossAttn";

    /** diffusers' defaults for keys a config may omit. */
    public static final List<Integer> DEFAULT_CHANNELS = List.of(320, 640, 1280, 1280);
    public static final List<String> DEFAULT_DOWN = List.of(CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, DOWN);
    public static final List<String> DEFAULT_UP = List.of(UP, CROSS_ATTN_UP, CROSS_ATTN_UP, CROSS_ATTN_UP);

    public UNet2DConditionConfig {
        blockOutChannels = List.copyOf(blockOutChannels);
        downBlockTypes = List.copyOf(downBlockTypes);
        upBlockTypes = List.copyOf(upBlockTypes);
        layersPerBlock = List.copyOf(layersPerBlock);
        attentionHeads = List.copyOf(attentionHeads);
        transformerLayersPerBlock = List.copyOf(transformerLayersPerBlock);
    }

    public static UNet2DConditionConfig from(ConfigJson c) {
        requireSupportedEncoder(c);
        // UNet-only options
        c.requireUnsupported("time_embedding_type", "positional");
        c.requireUnsupported("class_embeddings_concat", false);
        c.requireUnsupported("time_cond_proj_dim", null);
        c.requireUnsupported("timestep_post_act", null);
        c.requireUnsupported("time_embedding_act_fn", null);
        c.requireUnsupported("dual_cross_attention", false);
        requireNullOrFalse(c, "mid_block_only_cross_attention");
        c.requireUnsupported("cross_attention_norm", null);
        c.requireUnsupported("attention_type", "default");
        c.requireUnsupported("resnet_skip_time_act", false);
        c.requireUnsupported("resnet_out_scale_factor", 1.0);
        c.requireUnsupported("reverse_transformer_layers_per_block", null);
        // diffusers itself refuses num_attention_heads for this model ("naming issue"): attention_head_dim is used
        c.requireUnsupported("num_attention_heads", null);

        // missing keys take diffusers' defaults (old configs, e.g. SD 1.5's, predate transformer_layers_per_block)
        List<Integer> channels = c.has("block_out_channels") ? c.getIntList("block_out_channels") : DEFAULT_CHANNELS;
        int n = channels.size();
        List<String> down = c.has("down_block_types") ? c.getStringList("down_block_types") : DEFAULT_DOWN;
        List<String> up = c.has("up_block_types") ? c.getStringList("up_block_types") : DEFAULT_UP;
        requireTypes(c, "down_block_types", down, n, Set.of(CROSS_ATTN_DOWN, DOWN));
        requireTypes(c, "up_block_types", up, n, Set.of(CROSS_ATTN_UP, UP));
        int timeEmbedDim = c.getInt("time_embedding_dim", channels.get(0) * 4);
        return new UNet2DConditionConfig(
                c.getInt("in_channels", 4),
                c.getInt("out_channels", 4),
                channels,
                down,
                up,
                intOrList(c, "layers_per_block", n, 2),
                attentionHeads(c, n),
                intOrList(c, "transformer_layers_per_block", n, 1),
                crossAttentionDim(c),
                c.getInt("norm_num_groups", 32),
                c.getDouble("norm_eps", 1e-5),
                c.getBool("flip_sin_to_cos", true),
                c.getDouble("freq_shift", 0),
                timeEmbedDim,
                c.getBool("use_linear_projection", false),
                c.getBool("upcast_attention", false),
                c.getBool("center_input_sample", false),
                c.getInt("downsample_padding", 1),
                oddKernel(c, "conv_in_kernel"),
                oddKernel(c, "conv_out_kernel"));
    }

    /**
     * Refuses the options of the down path (shared by UNet2DConditionModel and ControlNetModel) that we do not
     * implement, naming the key: class/addition embeddings, encoder_hid projections, only_cross_attention,
     * scale-shift time conditioning, other mid blocks, activations other than SiLU.
     */
    public static void requireSupportedEncoder(ConfigJson c) {
        // absent or null always passes
        c.requireUnsupported("class_embed_type", null);
        c.requireUnsupported("num_class_embeds", null);
        c.requireUnsupported("projection_class_embeddings_input_dim", null);
        c.requireUnsupported("addition_embed_type", null);
        c.requireUnsupported("addition_time_embed_dim", null);
        c.requireUnsupported("encoder_hid_dim", null);
        c.requireUnsupported("encoder_hid_dim_type", null);
        c.requireUnsupported("only_cross_attention", false);
        c.requireUnsupported("resnet_time_scale_shift", "default");
        c.requireUnsupported("mid_block_scale_factor", 1);
        c.requireUnsupported("mid_block_type", MID_CROSS_ATTN);
        requireSilu(c, "act_fn");
    }

    /** Heads per down block: {@code num_attention_heads}, else {@code attention_head_dim} (diffusers' SD 1.5 quirk). */
    public static List<Integer> attentionHeads(ConfigJson c, int n) {
        return c.has("num_attention_heads") ? c.getIntOrList("num_attention_heads", n)
                : intOrList(c, "attention_head_dim", n, 8);
    }

    public static int crossAttentionDim(ConfigJson c) {
        if (c.has("cross_attention_dim") && c.node().get("cross_attention_dim").isArray()) {
            throw new WeightLoadException(c.source() + ": a per-block 'cross_attention_dim' list is not supported");
        }
        return c.getInt("cross_attention_dim", 1280);
    }

    /** An int or per-block list; {@code dflt} for every block when the key is absent. */
    public static List<Integer> intOrList(ConfigJson c, String key, int n, int dflt) {
        return c.has(key) ? c.getIntOrList(key, n) : Collections.nCopies(n, dflt);
    }

    private static void requireSilu(ConfigJson c, String key) {
        String act = c.getString(key, "silu").toLowerCase(Locale.ROOT);
        if (!act.equals("silu") && !act.equals("swish")) {
            throw new WeightLoadException(c.source() + ": '" + key + "' = " + act + " is not supported (only silu)");
        }
    }

    private static void requireNullOrFalse(ConfigJson c, String key) {
        if (c.has(key) && !(c.node().get(key).isBoolean() && !c.node().get(key).booleanValue())) {
            throw new WeightLoadException(c.source() + ": '" + key + "' = " + c.node().get(key)
                    + " is not supported (only null or false)");
        }
    }

    public static void requireTypes(ConfigJson c, String key, List<String> types, int n, Set<String> supported) {
        if (types.size() != n) {
            throw new WeightLoadException(c.source() + ": '" + key + "' has " + types.size()
                    + " entries but block_out_channels has " + n);
        }
        for (String t : types) {
            if (!supported.contains(t)) {
                throw new WeightLoadException(c.source() + ": '" + key + "' contains " + t + ", not supported (only "
                        + supported + ")");
            }
        }
    }

    private static int oddKernel(ConfigJson c, String key) {
        int k = c.getInt(key, 3);
        if (k % 2 != 1) {
            throw new WeightLoadException(c.source() + ": '" + key + "' = " + k + " is not supported (odd kernels only)");
        }
        return k;
    }

    /** Number of resolution levels. */
    public int levels() {
        return blockOutChannels.size();
    }

    /** Heads of the mid block's transformer (diffusers: the last entry). */
    public int midBlockHeads() {
        return attentionHeads.get(levels() - 1);
    }

    /** Per-up-block lists are the down lists reversed (diffusers: reversed_block_out_channels, ...). */
    public static List<Integer> reversed(List<Integer> list) {
        List<Integer> r = new ArrayList<>(list);
        Collections.reverse(r);
        return r;
    }
}
