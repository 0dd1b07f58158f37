package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDManager;
import ai.t2vzero.model.clip.ClipTextModel;
import ai.t2vzero.model.clip.ClipTokenizer;
import ai.t2vzero.model.unet.UNet2DConditionModel;
import ai.t2vzero.model.vae.AutoencoderKL;
import ai.t2vzero.runtime.DeviceSpec;
import ai.t2vzero.weights.ConfigJson;
import ai.t2vzero.weights.ModelBundle;

/**
 * The loaded components of one Stable Diffusion 1.x bundle, all weights owned by {@code manager} (the bundle's
 * long-lived manager, on {@code device}). Immutable and thread-safe to share: models are stateless functions of
 * their weights; every run builds its own scheduler from {@code schedulerConfig}. {@code sampleSize} is the
 * UNet's native latent size ({@code sample_size} of unet/config.json).
 */
public record StableDiffusionModels(
        String name,
        ClipTokenizer tokenizer,
        ClipTextModel textEncoder,
        UNet2DConditionModel unet,
        AutoencoderKL vae,
        ConfigJson schedulerConfig,
        int sampleSize,
        DeviceSpec device,
        NDManager manager) {

    /**
     * Loads the SD components of a diffusers folder onto {@code device}; weights are owned by {@code manager}.
     * Every component is loaded strictly (missing, unused or mis-shaped tensors fail naming the keys).
     */
    public static StableDiffusionModels load(String name, ModelBundle bundle, DeviceSpec device, NDManager manager) {
        return load(name, bundle, bundle, device, manager);
    }

    /**
     * Loads the text encoder, UNet and VAE from {@code weights} and the tokenizer and scheduler config from
     * {@code tokenizerAndScheduler}: a single-file checkpoint ({@code SingleFileCheckpoint.bundle()}) has no
     * tokenizer or scheduler of its own, so they come from a diffusers bundle (the default one).
     */
    public static StableDiffusionModels load(String name, ModelBundle weights, ModelBundle tokenizerAndScheduler,
                                             DeviceSpec device, NDManager manager) {
        ClipTokenizer tokenizer = ClipTokenizer.load(tokenizerAndScheduler.dir("tokenizer"));
        ClipTextModel textEncoder = ClipTextModel.load(weights, "text_encoder", manager, device.products());
        UNet2DConditionModel unet = UNet2DConditionModel.load(weights, "unet", manager, device.products());
        AutoencoderKL vae = AutoencoderKL.load(weights, "vae", manager, device.products());
        int sampleSize = weights.config("unet").getInt("sample_size", 64);
        return new StableDiffusionModels(name, tokenizer, textEncoder, unet, vae, tokenizerAndScheduler.schedulerConfig(),
                sampleSize, device, manager);
    }

    /** The same models with another scheduler config (a request may pick DDIM on a PNDM bundle). */
    public StableDiffusionModels withSchedulerConfig(ConfigJson config) {
        return new StableDiffusionModels(name, tokenizer, textEncoder, unet, vae, config, sampleSize, device, manager);
    }

    /**
     * Estimated peak activation bytes one frame adds to a UNet pass at {@code height x width} pixels, both guidance
     * halves included: latent area x first block's channels x dtype bytes x 2 x 48 live feature maps (48 measured:
     * a 2x8-frame SD 1.5 step at 32x32 latents peaks about 0.9 GB above the weights).
     */
    public long unetActivationBytesPerFrame(int height, int width) {
        long area = (long) (height / vaeScaleFactor()) * (width / vaeScaleFactor());
        long bytes = device.dtype().getNumOfBytes();
        return area * unet.config().blockOutChannels().get(0) * bytes * 2 * 48;
    }

    /** The chunk size to use: {@code requested}, lowered so that a chunk fits {@code budgetBytes}. */
    public int chunkSizeWithin(int requested, long budgetBytes, int height, int width, int videoLength) {
        int fit = VideoChunker.chunkSizeFor(budgetBytes, unetActivationBytesPerFrame(height, width), videoLength);
        return Math.max(VideoChunker.MIN_CHUNK_SIZE, Math.min(requested, fit));
    }

    /** Image pixels per latent pixel: 2^(number of VAE blocks - 1) (8 for SD 1.x). */
    public int vaeScaleFactor() {
        return vae.config().vaeScaleFactor();
    }

    /** The bundle's native image size: {@code unet.sample_size * vaeScaleFactor} (512 for SD 1.5). */
    public int nativeSize() {
        return sampleSize * vaeScaleFactor();
    }
}
