package ai.t2vzero.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.t2vzero.model.nn.Conv2d;
import ai.t2vzero.model.nn.NDArrays;
import ai.t2vzero.runtime.Scopes;
import ai.t2vzero.weights.ModelBundle;
import ai.t2vzero.weights.WeightScope;
import ai.t2vzero.weights.WeightStore;

import java.util.function.BiConsumer;

/**
 * diffusers' {@code AutoencoderKL}, the Stable Diffusion VAE:
 * <pre>
 *   encode: image [B, in, H, W] in [-1, 1] -> encoder -> quant_conv -> DiagonalGaussianDistribution [B, latent, H/f, W/f]
 *   decode: z [B, latent, h, w] (unscaled)  -> post_quant_conv -> decoder -> image [B, out, h*f, w*f]
 * </pre>
 * with f = {@link AutoencoderKLConfig#vaeScaleFactor()} (8 for SD). Latents fed to the UNet are
 * {@code z * scalingFactor()}; {@link #decodeFrames} undoes that scale itself.
 *
 * <p>Stateless after loading; weights live in the manager given to {@link #load}, every call's intermediates in
 * scopes of their own, so native memory does not grow per call.
 */
public final class AutoencoderKL {

    private final AutoencoderKLConfig config;
    private final DataType dtype;
    private final VaeEncoder encoder;
    private final Conv2d quantConv;     // null when use_quant_conv is false
    private final Conv2d postQuantConv; // null when use_post_quant_conv is false
    private final VaeDecoder decoder;

    private AutoencoderKL(AutoencoderKLConfig config, DataType dtype, VaeEncoder encoder, Conv2d quantConv,
                          Conv2d postQuantConv, VaeDecoder decoder) {
        this.config = config;
        this.dtype = dtype;
        this.encoder = encoder;
        this.quantConv = quantConv;
        this.postQuantConv = postQuantConv;
        this.decoder = decoder;
    }

    /**
     * Loads the VAE of a diffusers bundle (component usually {@code "vae"}) into {@code manager}, strictly: any
     * missing, mis-shaped or unused tensor fails the load. With {@code force_upcast} (SD's VAE overflows in fp16)
     * a float16 {@code dtype} is raised to float32, as diffusers' pipelines upcast the VAE.
     */
    public static AutoencoderKL load(ModelBundle bundle, String component, NDManager manager, DataType dtype) {
        AutoencoderKLConfig cfg = AutoencoderKLConfig.read(bundle.config(component));
        // bfloat16 products keep float32 activations (and bf16 has float32's range): nothing to upcast
        DataType modelType = cfg.forceUpcast() && dtype == DataType.FLOAT16 ? DataType.FLOAT32 : dtype;
        try (WeightStore store = bundle.openStore(component, manager, modelType)) {
            WeightScope w = store.root();
            long moments = 2L * cfg.latentChannels();
            VaeEncoder encoder = VaeEncoder.load(w.child("encoder"), cfg);
            Conv2d quant = cfg.useQuantConv() ? Conv2d.load1x1(w.child("quant_conv"), moments, moments) : null;
            Conv2d postQuant = cfg.usePostQuantConv()
                    ? Conv2d.load1x1(w.child("post_quant_conv"), cfg.latentChannels(), cfg.latentChannels()) : null;
            VaeDecoder decoder = VaeDecoder.load(w.child("decoder"), cfg);
            store.verifyComplete();
            return new AutoencoderKL(cfg, store.dtype(), encoder, quant, postQuant, decoder);
        }
    }

    public AutoencoderKLConfig config() {
        return config;
    }

    /** The dtype the weights were loaded in (float32 when force_upcast raised a half-precision request). */
    public DataType dtype() {
        return dtype;
    }

    /** {@code scaling_factor} from the config: UNet latents = z * scalingFactor(). */
    public double scalingFactor() {
        return config.scalingFactor();
    }

    /** image [B, in, H, W] in [-1, 1] -> the latent distribution (unscaled). */
    public DiagonalGaussianDistribution encode(NDArray image) {
        return encode(image, null);
    }

    /**
     * {@link #encode(NDArray)} reporting submodule outputs ({@code encoder.down_blocks.0}, ..., {@code quant_conv})
     * to {@code tap} (may be null); tapped tensors are closed after the call.
     */
    public DiagonalGaussianDistribution encode(NDArray image, BiConsumer<String, NDArray> tap) {
        checkImage(image, config.inChannels(), "image");
        NDList parts = Scopes.keepAll(() -> {
            NDArray x = image.getDataType() == dtype ? image : image.toType(dtype, false);
            // 1. encoder
            NDArray h = encoder.forward(x, tap);                                    // [B, 2 * latent, h, w]
            // 2. quant_conv
            if (quantConv != null) {
                NDArray q = quantConv.forward(h);
                h.close();
                h = q;
                if (tap != null) {
                    tap.accept("quant_conv", h);
                }
            }
            // 3. split into the distribution's parameters
            DiagonalGaussianDistribution d = DiagonalGaussianDistribution.fromMoments(h);
            return new NDList(d.mean(), d.logvar(), d.std());
        });
        return new DiagonalGaussianDistribution(parts.get(0), parts.get(1), parts.get(2));
    }

    /** z [B, latent, h, w] (unscaled: UNet latents / scalingFactor()) -> image [B, out, H, W], unclamped. */
    public NDArray decode(NDArray z) {
        return decode(z, null);
    }

    /**
     * {@link #decode(NDArray)} reporting submodule outputs ({@code post_quant_conv}, {@code decoder.mid_block}, ...)
     * to {@code tap} (may be null); tapped tensors are closed after the call.
     */
    public NDArray decode(NDArray z, BiConsumer<String, NDArray> tap) {
        checkImage(z, config.latentChannels(), "z");
        return Scopes.keep(() -> {
            NDArray h = z.getDataType() == dtype ? z : z.toType(dtype, false);
            // 1. post_quant_conv
            if (postQuantConv != null) {
                h = postQuantConv.forward(h);
                if (tap != null) {
                    tap.accept("post_quant_conv", h);
                }
            }
            // 2. decoder
            return decoder.forward(h, tap);                                          // [B, out, H, W]
        });
    }

    /**
     * Decodes UNet-scale latents [F, latent, h, w] into video frames [F, H, W, out] (NHWC, float32, [0, 1]),
     * {@code framesPerChunk} frames at a time so that peak memory is one chunk's decoder activations (a full-size
     * SD frame alone needs about 1.5 GiB of them). Each chunk runs in its own scope.
     */
    public NDArray decodeFrames(NDArray latents, int framesPerChunk) {
        if (framesPerChunk < 1) {
            throw new IllegalArgumentException("framesPerChunk must be >= 1, got " + framesPerChunk);
        }
        checkImage(latents, config.latentChannels(), "latents");
        long f = latents.getShape().get(0);
        NDList chunks = new NDList();
        for (long s = 0; s < f; s += framesPerChunk) {
            long e = Math.min(f, s + framesPerChunk);
            String range = s + ":" + e;
            chunks.add(Scopes.keep(() -> {
                NDArray z = latents.get(range).div(config.scalingFactor());           // [n, latent, h, w], unscaled
                NDArray image = decode(z);                                            // [n, out, H, W]
                return toFrames(image);                                               // [n, H, W, out]
            }));
        }
        if (chunks.size() == 1) {
            return chunks.get(0);
        }
        NDArray frames = NDArrays.concat(chunks, 0);                                  // [F, H, W, out]
        chunks.close();
        return frames;
    }

    /** Decoder output [B, C, H, W] -> {@code (image / 2 + 0.5).clamp(0, 1)} as NHWC float32 [B, H, W, C]. */
    public static NDArray toFrames(NDArray image) {
        return Scopes.keep(() -> {
            NDArray x = image.getDataType() == DataType.FLOAT32 ? image : image.toType(DataType.FLOAT32, false);
            NDArray unit = x.div(2f).addi(0.5f).clip(0f, 1f);                         // [B, C, H, W] in [0, 1]
            NDArray nhwc = unit.transpose(0, 2, 3, 1);                                // [B, H, W, C] (view)
            return nhwc.flatten().reshape(nhwc.getShape());                           // [B, H, W, C], contiguous
        });
    }

    private static void checkImage(NDArray x, long channels, String what) {
        if (x.getShape().dimension() != 4 || x.getShape().get(1) != channels) {
            throw new IllegalArgumentException(what + " must be [B, " + channels + ", H, W], got " + x.getShape());
        }
    }
}
