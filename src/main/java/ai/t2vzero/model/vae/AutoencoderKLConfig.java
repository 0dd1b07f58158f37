package ai.t2vzero.model.vae;

import ai.t2vzero.weights.ConfigJson;
import ai.t2vzero.weights.WeightLoadException;

import java.util.List;

/**
 * diffusers' {@code AutoencoderKL} configuration, read from the component's {@code config.json}. Only the SD 1.x
 * architecture is implemented (DownEncoderBlock2D / UpDecoderBlock2D, SiLU, no latent statistics); any other value
 * is refused with the key's name.
 *
 * <pre>
 * // https://huggingface.co/runwayml/stable-diffusion-v1-5/blob/main/vae/config.json
 * in 3, out 3, latent 4, block_out_channels [128, 256, 512, 512], layers_per_block 2, norm_num_groups 32,
 * act_fn silu, sample_size 512, scaling_factor 0.18215
 * </pre>
 *
 * @param inChannels            image channels fed to the encoder
 * @param outChannels           image channels produced by the decoder
 * @param latentChannels        channels of the latent space (the encoder emits twice as many: mean and logvar)
 * @param blockOutChannels      output channels of each encoder block (the decoder uses them reversed)
 * @param downBlockTypes        encoder block types (only DownEncoderBlock2D)
 * @param upBlockTypes          decoder block types (only UpDecoderBlock2D)
 * @param layersPerBlock        resnets per encoder block (the decoder has one more per block)
 * @param normNumGroups         groups of every GroupNorm
 * @param actFn                 the resnets' activation (only silu)
 * @param scalingFactor         latents fed to the UNet are {@code z * scaling_factor}
 * @param sampleSize            image size the VAE was trained on (informational: any multiple of 2^(blocks-1) works)
 * @param forceUpcast           run the VAE in float32 even when the rest of the pipeline is half precision
 * @param useQuantConv          whether the 1x1 {@code quant_conv} follows the encoder
 * @param usePostQuantConv      whether the 1x1 {@code post_quant_conv} precedes the decoder
 * @param midBlockAddAttention  whether the mid blocks have their spatial self-attention
 */
public record AutoencoderKLConfig(
        int inChannels,
        int outChannels,
        int latentChannels,
        List<Integer> blockOutChannels,
        List<String> downBlockTypes,
        List<String> upBlockTypes,
        int layersPerBlock,
        int normNumGroups,
        String actFn,
        double scalingFactor,
        int sampleSize,
        boolean forceUpcast,
        boolean useQuantConv,
        boolean usePostQuantConv,
        boolean midBlockAddAttention) {

    /** GroupNorm epsilon of every VAE block (diffusers hard-codes 1e-6 in Encoder/Decoder). */
    public static final double NORM_EPS = 1e-6;

    public AutoencoderKLConfig {
        blockOutChannels = List.copyOf(blockOutChannels);
        downBlockTypes = List.copyOf(downBlockTypes);
        upBlockTypes = List.copyOf(upBlockTypes);
        if (blockOutChannels.isEmpty()) {
            throw new IllegalArgumentException("block_out_channels must not be empty");
        }
        if (downBlockTypes.size() != blockOutChannels.size() || upBlockTypes.size() != blockOutChannels.size()) {
            throw new IllegalArgumentException("down_block_types (" + downBlockTypes.size() + ") and up_block_types ("
                    + upBlockTypes.size() + ") must have one entry per block_out_channels (" + blockOutChannels.size() + ")");
        }
        for (String t : downBlockTypes) {
            if (!t.equals("DownEncoderBlock2D")) {
                throw new IllegalArgumentException("down_block_types: '" + t + "' is not supported (only DownEncoderBlock2D)");
            }
        }
        for (String t : upBlockTypes) {
            if (!t.equals("UpDecoderBlock2D")) {
                throw new IllegalArgumentException("up_block_types: '" + t + "' is not supported (only UpDecoderBlock2D)");
            }
        }
        if (!actFn.equals("silu")) {
            throw new IllegalArgumentException("act_fn '" + actFn + "' is not supported (only silu)");
        }
        for (int c : blockOutChannels) {
            if (c % normNumGroups != 0) {
                throw new IllegalArgumentException("block_out_channels " + blockOutChannels
                        + " are not all divisible by norm_num_groups " + normNumGroups);
            }
        }
        if (layersPerBlock < 1 || inChannels < 1 || outChannels < 1 || latentChannels < 1) {
            throw new IllegalArgumentException("layers_per_block, in/out/latent_channels must be positive");
        }
        if (!(scalingFactor > 0)) {
            throw new IllegalArgumentException("scaling_factor must be positive (got " + scalingFactor + ")");
        }
    }

    /** Reads and validates a VAE {@code config.json}. */
    public static AutoencoderKLConfig read(ConfigJson c) {
        String cls = c.getString("_class_name", "AutoencoderKL");
        if (!cls.equals("AutoencoderKL")) {
            throw new WeightLoadException(c.source() + ": _class_name '" + cls + "' is not supported (only AutoencoderKL)");
        }
        // SDXL/SD3-style latent statistics and shift: not part of the SD 1.x VAE we serve
        c.requireUnsupported("latents_mean", null);
        c.requireUnsupported("latents_std", null);
        c.requireUnsupported("shift_factor", null);
        try {
            return new AutoencoderKLConfig(
                    c.getInt("in_channels", 3),
                    c.getInt("out_channels", 3),
                    c.getInt("latent_channels", 4),
                    c.getIntList("block_out_channels"),
                    c.getStringList("down_block_types"),
                    c.getStringList("up_block_types"),
                    c.getInt("layers_per_block", 1),
                    c.getInt("norm_num_groups", 32),
                    c.getString("act_fn", "silu"),
                    c.getDouble("scaling_factor"),
                    c.getInt("sample_size", 32),
                    c.getBool("force_upcast", true),
                    c.getBool("use_quant_conv", true),
                    c.getBool("use_post_quant_conv", true),
                    c.getBool("mid_block_add_attention", true));
        } catch (IllegalArgumentException e) {
            throw new WeightLoadException(c.source() + ": " + e.getMessage(), e);
        }
    }

    /** Number of encoder/decoder blocks. */
    public int numBlocks() {
        return blockOutChannels.size();
    }

    /** Image pixels per latent pixel: 2^(blocks - 1) (8 for SD). */
    public int vaeScaleFactor() {
        return 1 << (numBlocks() - 1);
    }
}
