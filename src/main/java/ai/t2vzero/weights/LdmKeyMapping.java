package ai.t2vzero.weights;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The key layout of original (latent-diffusion / CompVis) Stable Diffusion 1.x single-file checkpoints, mapped to
 * the diffusers components as diffusers 0.27.2 does in {@code loaders/single_file_utils.py}
 * ({@code convert_ldm_unet_checkpoint}, {@code convert_ldm_vae_checkpoint},
 * {@code create_text_encoder_from_ldm_clip_checkpoint}):
 * <ul>
 *   <li>UNet {@code model.diffusion_model.*}: {@code input_blocks.<i>.0} -> {@code down_blocks.<(i-1)/(L+1)>
 *       .resnets.<(i-1)%(L+1)>} (L = layers_per_block), {@code input_blocks.<i>.0.op} -> downsampler,
 *       {@code input_blocks.<i>.1} -> attentions; {@code middle_block.0/1/2} -> mid resnet, attention, resnet;
 *       {@code output_blocks.<i>} -> {@code up_blocks.<i/(L+1)>} with {@code .1.conv}/{@code .2.conv} upsamplers;
 *       resnet parts {@code in_layers.0/2, out_layers.0/3, emb_layers.1, skip_connection} ->
 *       {@code norm1, conv1, norm2, conv2, time_emb_proj, conv_shortcut}; {@code time_embed.0/2},
 *       {@code input_blocks.0.0}, {@code out.0/2} -> time embedding, {@code conv_in}, {@code conv_norm_out},
 *       {@code conv_out}. Transformer blocks keep their names.</li>
 *   <li>VAE {@code first_stage_model.*}: {@code down.<i>.block.<j>} -> {@code down_blocks.<i>.resnets.<j>},
 *       {@code up.<b>.block.<j>} -> {@code up_blocks.<n-1-b>.resnets.<j>} (LDM numbers decoder blocks from the
 *       bottom), {@code mid.block_1/2} -> {@code mid_block.resnets.0/1}, {@code nin_shortcut} ->
 *       {@code conv_shortcut}, {@code norm_out} -> {@code conv_norm_out}; the mid attention's {@code norm, q, k, v,
 *       proj_out} -> {@code group_norm, to_q, to_k, to_v, to_out.0}, its 1x1-conv weights [C, C, 1, 1] viewed as
 *       linear [C, C].</li>
 *   <li>CLIP {@code cond_stage_model.transformer.*}: the prefix is removed (the rest is transformers' own
 *       {@code text_model.*}); the {@code position_ids} buffer is ignored by the text encoder.</li>
 * </ul>
 * EMA: as diffusers 0.27.2's {@code from_single_file} (which never passes {@code extract_ema}), the non-EMA
 * {@code model.diffusion_model.*} weights are used and {@code model_ema.*} is ignored. The DDPM schedule buffers of
 * LDM training checkpoints are ignored too. Any other key is reported, never silently dropped.
 */
public final class LdmKeyMapping {

    public static final String UNET_PREFIX = "model.diffusion_model.";
    public static final String VAE_PREFIX = "first_stage_model.";
    public static final String CLIP_PREFIX = "cond_stage_model.transformer.";
    public static final String EMA_PREFIX = "model_ema.";

    /** Buffers of LDM's DDPM wrapper (ldm/models/diffusion/ddpm.py register_schedule): not weights. */
    private static final Set<String> SCHEDULE_BUFFERS = Set.of("betas", "alphas_cumprod", "alphas_cumprod_prev",
            "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod",
            "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod", "posterior_variance",
            "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2", "logvar");

    /** Where a diffusers key comes from; {@code linear} = a 1x1 conv weight read as a linear weight. */
    public record Source(String key, boolean linear) {
    }

    /**
     * The mapping of one checkpoint: component ("unet", "vae", "text_encoder") -> diffusers key -> source;
     * the keys ignored on purpose; and the keys that fit no rule (an error for the caller to report).
     */
    public record Mapping(Map<String, Map<String, Source>> components, List<String> ignored, List<String> unknown) {
    }

    private static final Pattern INPUT = Pattern.compile("input_blocks\\.(\\d+)\\.(\\d+)\\.(.+)");
    private static final Pattern MIDDLE = Pattern.compile("middle_block\\.(\\d+)\\.(.+)");
    private static final Pattern OUTPUT = Pattern.compile("output_blocks\\.(\\d+)\\.(\\d+)\\.(.+)");
    private static final Pattern VAE_DOWN = Pattern.compile("encoder\\.down\\.(\\d+)\\.block\\.(\\d+)\\.(.+)");
    private static final Pattern VAE_DOWNSAMPLE = Pattern.compile("encoder\\.down\\.(\\d+)\\.downsample\\.conv\\.(.+)");
    private static final Pattern VAE_UP = Pattern.compile("decoder\\.up\\.(\\d+)\\.block\\.(\\d+)\\.(.+)");
    private static final Pattern VAE_UPSAMPLE = Pattern.compile("decoder\\.up\\.(\\d+)\\.upsample\\.conv\\.(.+)");
    private static final Pattern VAE_MID_RESNET = Pattern.compile("(encoder|decoder)\\.mid\\.block_(\\d)\\.(.+)");
    private static final Pattern VAE_MID_ATTN = Pattern.compile("(encoder|decoder)\\.mid\\.attn_1\\.(.+)");

    private LdmKeyMapping() {
    }

    /**
     * Maps {@code keys}. {@code unetLayersPerBlock} is the UNet's {@code layers_per_block} (2 for SD 1.x) and
     * {@code vaeUpBlocks} the number of VAE decoder blocks (4), both from the architecture's configs.
     */
    public static Mapping map(Collection<String> keys, int unetLayersPerBlock, int vaeUpBlocks) {
        Map<String, Map<String, Source>> out = new LinkedHashMap<>();
        out.put("unet", new LinkedHashMap<>());
        out.put("vae", new LinkedHashMap<>());
        out.put("text_encoder", new LinkedHashMap<>());
        List<String> ignored = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String k : keys) {
            String component;
            String mapped;
            boolean linear = false;
            if (k.startsWith(UNET_PREFIX)) {
                component = "unet";
                mapped = unet(k.substring(UNET_PREFIX.length()), unetLayersPerBlock);
            } else if (k.startsWith(VAE_PREFIX)) {
                component = "vae";
                String rest = k.substring(VAE_PREFIX.length());
                mapped = vae(rest, vaeUpBlocks);
                linear = mapped != null && VAE_MID_ATTN.matcher(rest).matches() && rest.endsWith(".weight")
                        && !rest.endsWith("norm.weight");
            } else if (k.startsWith(CLIP_PREFIX)) {
                component = "text_encoder";
                mapped = k.substring(CLIP_PREFIX.length());
            } else {
                if (k.startsWith(EMA_PREFIX) || SCHEDULE_BUFFERS.contains(k)) {
                    ignored.add(k);
                } else {
                    unknown.add(k);
                }
                continue;
            }
            if (mapped == null) {
                unknown.add(k);
            } else if (out.get(component).put(mapped, new Source(k, linear)) != null) {
                unknown.add(k + " (maps onto " + component + " " + mapped + " a second time)");
            }
        }
        return new Mapping(out, ignored, unknown);
    }

    /** convert_ldm_unet_checkpoint for one key without its {@code model.diffusion_model.} prefix; null = no rule. */
    static String unet(String k, int layersPerBlock) {
        int per = layersPerBlock + 1;
        String direct = replacePrefix(k, "time_embed.0.", "time_embedding.linear_1.", "time_embed.2.",
                "time_embedding.linear_2.", "input_blocks.0.0.", "conv_in.", "out.0.", "conv_norm_out.", "out.2.", "conv_out.");
        if (direct != null) {
            return direct;
        }
        Matcher m = INPUT.matcher(k);
        if (m.matches()) {
            int i = Integer.parseInt(m.group(1));
            String rest = m.group(3);
            if (i == 0) {
                return null;
            }
            int block = (i - 1) / per;
            int layer = (i - 1) % per;
            return switch (m.group(2)) {
                case "0" -> rest.startsWith("op.") ? "down_blocks." + block + ".downsamplers.0.conv." + rest.substring(3)
                        : resnet("down_blocks." + block + ".resnets." + layer + ".", rest);
                case "1" -> "down_blocks." + block + ".attentions." + layer + "." + rest;
                default -> null;
            };
        }
        m = MIDDLE.matcher(k);
        if (m.matches()) {
            return switch (m.group(1)) {
                case "0" -> resnet("mid_block.resnets.0.", m.group(2));
                case "1" -> "mid_block.attentions.0." + m.group(2);
                case "2" -> resnet("mid_block.resnets.1.", m.group(2));
                default -> null;
            };
        }
        m = OUTPUT.matcher(k);
        if (m.matches()) {
            int i = Integer.parseInt(m.group(1));
            int block = i / per;
            int layer = i % per;
            String rest = m.group(3);
            return switch (m.group(2)) {
                case "0" -> resnet("up_blocks." + block + ".resnets." + layer + ".", rest);
                case "1" -> rest.startsWith("conv.") ? "up_blocks." + block + ".upsamplers.0.conv." + rest.substring(5)
                        : "up_blocks." + block + ".attentions." + layer + "." + rest;
                case "2" -> rest.startsWith("conv.") ? "up_blocks." + block + ".upsamplers.0.conv." + rest.substring(5) : null;
                default -> null;
            };
        }
        return null;
    }

    /** update_unet_resnet_ldm_to_diffusers: the renames inside a ResBlock. */
    private static String resnet(String to, String rest) {
        String r = replacePrefix(rest, "in_layers.0.", "norm1.", "in_layers.2.", "conv1.", "out_layers.0.", "norm2.",
                "out_layers.3.", "conv2.", "emb_layers.1.", "time_emb_proj.", "skip_connection.", "conv_shortcut.");
        return r == null ? null : to + r;
    }

    /** convert_ldm_vae_checkpoint for one key without its {@code first_stage_model.} prefix; null = no rule. */
    static String vae(String k, int upBlocks) {
        String direct = replacePrefix(k, "encoder.conv_in.", "encoder.conv_in.", "encoder.conv_out.", "encoder.conv_out.",
                "encoder.norm_out.", "encoder.conv_norm_out.", "decoder.conv_in.", "decoder.conv_in.", "decoder.conv_out.",
                "decoder.conv_out.", "decoder.norm_out.", "decoder.conv_norm_out.", "quant_conv.", "quant_conv.",
                "post_quant_conv.", "post_quant_conv.");
        if (direct != null) {
            return direct;
        }
        Matcher m = VAE_DOWN.matcher(k);
        if (m.matches()) {
            return vaeResnet("encoder.down_blocks." + m.group(1) + ".resnets." + m.group(2) + ".", m.group(3));
        }
        m = VAE_DOWNSAMPLE.matcher(k);
        if (m.matches()) {
            return "encoder.down_blocks." + m.group(1) + ".downsamplers.0.conv." + m.group(2);
        }
        m = VAE_UP.matcher(k);
        if (m.matches()) {
            int b = upBlocks - 1 - Integer.parseInt(m.group(1));
            return b < 0 ? null : vaeResnet("decoder.up_blocks." + b + ".resnets." + m.group(2) + ".", m.group(3));
        }
        m = VAE_UPSAMPLE.matcher(k);
        if (m.matches()) {
            int b = upBlocks - 1 - Integer.parseInt(m.group(1));
            return b < 0 ? null : "decoder.up_blocks." + b + ".upsamplers.0.conv." + m.group(2);
        }
        m = VAE_MID_RESNET.matcher(k);
        if (m.matches()) {
            int i = Integer.parseInt(m.group(2));
            return i == 1 || i == 2 ? vaeResnet(m.group(1) + ".mid_block.resnets." + (i - 1) + ".", m.group(3)) : null;
        }
        m = VAE_MID_ATTN.matcher(k);
        if (m.matches()) {
            // update_vae_attentions_ldm_to_diffusers
            String r = replacePrefix(m.group(2), "norm.", "group_norm.", "q.", "to_q.", "k.", "to_k.", "v.", "to_v.",
                    "proj_out.", "to_out.0.");
            return r == null ? null : m.group(1) + ".mid_block.attentions.0." + r;
        }
        return null;
    }

    private static String vaeResnet(String to, String rest) {
        String r = replacePrefix(rest, "norm1.", "norm1.", "conv1.", "conv1.", "norm2.", "norm2.", "conv2.", "conv2.",
                "nin_shortcut.", "conv_shortcut.");
        return r == null ? null : to + r;
    }

    /** {@code pairs} = from1, to1, from2, to2, ...: the first prefix of {@code k} replaced, or null. */
    private static String replacePrefix(String k, String... pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (k.startsWith(pairs[i])) {
                return pairs[i + 1] + k.substring(pairs[i].length());
            }
        }
        return null;
    }
}
