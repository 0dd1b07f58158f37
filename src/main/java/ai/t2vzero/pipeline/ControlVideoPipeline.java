package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.model.controlnet.ControlNetModel;
import ai.t2vzero.model.unet.ControlNetOutput;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.model.nn.NDArrays;
import ai.t2vzero.scheduler.Scheduler;

import java.util.List;

/**
 * Text2Video-Zero's conditional modes (Sec. 4.2 of arXiv 2303.13439: edge-to-video, pose-to-video) as diffusers'
 * {@code StableDiffusionControlNetPipeline} runs them with {@link CrossFrameAttnProcessor} on both the UNet and the
 * ControlNet: every frame starts from the SAME initial latent x_T (one [1, C, h, w] draw, repeated), is conditioned
 * on its own control image (Canny edges, an OpenPose skeleton), and attends to frame 0's keys and values, which
 * makes the frames share appearance. DDIM (eta 0) by default.
 *
 * <p>Frames are denoised chunk by chunk, every chunk re-including frame 0 as the cross-frame anchor; frame 0's
 * trajectory does not depend on the other frames of its chunk, and every per-frame draw comes from
 * {@link VideoNoise} keyed by frame, so the video does not depend on the chunk size.
 *
 * <p>Shapes: F frames, m frames in a chunk (frame 0 first), G guidance groups (2 with classifier-free guidance:
 * uncond then cond, else 1), C latent channels, h x w latent size, H x W image size, L tokens, D text width.
 *
 * <p>The chunk loop is the {@link DenoisingEngine}'s; this class says how a chunk starts (the shared x_T) and how
 * its noise is predicted (UNet + ControlNet residuals, classifier-free guidance).
 *
 * <p>Thread-safety: one instance may serve concurrent calls; each call builds its own schedulers and owns its
 * arrays in a sub-manager closed on return.
 */
public final class ControlVideoPipeline {

    /** Text2Video-Zero's scheduler for the ControlNet modes. */
    public static final String DEFAULT_SCHEDULER = "ddim";
    static final String LOOP = "denoise";

    private final StableDiffusionModels models;
    private final ControlNetModel controlnet;

    /**
     * @throws IllegalArgumentException when the ControlNet does not fit the UNet (its residuals are added to the
     *                                  UNet's skip connections, so the channel layout and text width must agree)
     */
    public ControlVideoPipeline(StableDiffusionModels models, ControlNetModel controlnet) {
        requireCompatible(models, controlnet);
        this.models = models;
        this.controlnet = controlnet;
    }

    /** Fails naming both bundles when the ControlNet's residuals cannot be added to the UNet's. */
    public static void requireCompatible(StableDiffusionModels models, ControlNetModel controlnet) {
        List<Integer> unetChannels = models.unet().config().blockOutChannels();
        List<Integer> netChannels = controlnet.config().blockOutChannels();
        int unetText = models.unet().config().crossAttentionDim();
        int netText = controlnet.config().crossAttentionDim();
        if (!unetChannels.equals(netChannels) || unetText != netText
                || controlnet.config().inChannels() != models.unet().config().inChannels()) {
            throw new IllegalArgumentException("the ControlNet (block_out_channels " + netChannels + ", cross_attention_dim "
                    + netText + ", in_channels " + controlnet.config().inChannels() + ") does not fit model '"
                    + models.name() + "' (block_out_channels " + unetChannels + ", cross_attention_dim " + unetText
                    + ", in_channels " + models.unet().config().inChannels() + ")");
        }
    }

    /**
     * Generates one frame per control image.
     *
     * @param controlImages [F, 3, H, W] in [0, 1] (H and W multiples of the VAE scale factor, 8 for SD)
     * @return frames [F, H, W, 3] float32 in [0, 1] (or, with {@code run.outputLatents()}, latents [F, C, h, w]),
     *         owned by {@code out}
     */
    public NDArray generate(ControlVideoParams p, NDArray controlImages, GenerationRun run, NDManager out) {
        Shape s = controlImages.getShape();
        long conditioningChannels = controlnet.config().conditioningChannels();
        int vsf = models.vaeScaleFactor();
        if (s.dimension() != 4 || s.get(1) != conditioningChannels || s.get(2) % vsf != 0 || s.get(3) % vsf != 0) {
            throw new IllegalArgumentException("control images must be [F, " + conditioningChannels + ", H, W] with H and W"
                    + " multiples of " + vsf + ", got " + s);
        }
        return new DenoisingEngine(models, run).generate(new ControlMode(p, controlImages), out);
    }

    /** ControlNet video as a mode of the engine: one shared x_T, noise from UNet + ControlNet residuals. */
    private final class ControlMode extends VideoMode {

        private final ControlVideoParams p;
        private final NDArray controlImages;
        private final boolean cfg;
        private final Shape frame;
        private NDArray xT;
        private NDArray control;

        ControlMode(ControlVideoParams p, NDArray controlImages) {
            super(new Settings((int) controlImages.getShape().get(0), p.chunkSize(), frameLatent(models,
                    models.vae().config().latentChannels(), controlImages.getShape().get(2),
                    controlImages.getShape().get(3)), p.doClassifierFreeGuidance() ? 2 : 1, p.scheduler(),
                    p.numInferenceSteps(), p.eta(), p.useCrossFrameAttention(), p.mergingRatio()));
            this.p = p;
            this.controlImages = controlImages;
            this.cfg = p.doClassifierFreeGuidance();
            this.frame = settings().frameLatent();
        }










        @Override
        NDArray encodePrompt(DenoisingEngine engine, NDManager work) {
            return PromptEncoder.encode(models, work, cfg, p.prompt(), p.negativePrompt());     // [G, L, D]: uncond first
        }

        /** x_T: one draw for frame 0 that every frame starts from. */
        @Override
        ChunkLoop prepare(DenoisingEngine engine, NDManager work, NDArray embeds, Scheduler scheduler) {
            double[] timesteps = scheduler.timesteps();
            engine.run().trace().record("timesteps", work.create(toFloats(timesteps)));
            xT = engine.run().noise().initial(work, new int[]{0}, frame).mul(scheduler.initNoiseSigma())
                    .toType(engine.dtype(), false);                                     // [1, C, h, w]
            control = controlImages.toType(engine.dtype(), false);
            return new ChunkLoop(new DenoisingEngine.Loop(LOOP, "", DenoisingEngine.ALL_FRAMES, timesteps), scheduler);
        }

        @Override
        ChunkStart startChunk(DenoisingEngine engine, int[] chunk, NDArray embeds) {
            PipelineTrace trace = engine.run().trace();
            int m = chunk.length;
            NDArray chunkControl = VideoChunker.select(control, chunk);                  // [m, 3, H, W]
            NDArray image = cfg ? NDArrays.concat(0, chunkControl, chunkControl) : chunkControl; // [G*m, 3, H, W]
            NDArray perFrame = Guidance.repeatPerFrame(embeds, m);                        // [G*m, L, D]: uncond x m, cond x m
            trace.record("prompt_embeds", perFrame);
            NDArray latents = xT.repeat(0, m);                                            // [m, C, h, w]: the same x_T
            trace.record("initial_latents", latents);
            AttnProcessors controlnetProcessors = engine.processors();                   // tomesd patches the UNet only
            NoisePredictor unetWithControl = (scaled, t, unetProcessors) -> {
                NDArray in = cfg ? NDArrays.concat(0, scaled, scaled) : scaled;          // [G*m, C, h, w]
                NDArray timestep = in.getManager().create((float) t);
                ControlNetOutput residuals = controlnet.forward(in, timestep, perFrame, image,
                        (float) p.controlnetConditioningScale(), controlnetProcessors);
                NDArray eps = models.unet().forward(in, timestep, perFrame, unetProcessors, residuals); // [G*m, C, h, w]
                return cfg ? Guidance.classifierFree(eps, p.guidanceScale()) : eps;        // [m, C, h, w]
            };
            return new ChunkStart(latents, unetWithControl);
        }
    }

    static float[] toFloats(double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            f[i] = (float) values[i];
        }
        return f;
    }
}
