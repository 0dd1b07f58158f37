package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.model.controlnet.ControlNetModel;
import ai.t2vzero.model.controlnet.ControlNetOutput;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.model.nn.NDArrays;
import ai.t2vzero.runtime.NoiseSource;
import ai.t2vzero.runtime.Scopes;
import ai.t2vzero.runtime.StageTimer;
import ai.t2vzero.scheduler.Scheduler;
import ai.t2vzero.scheduler.Schedulers;

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
        int frames = (int) s.get(0);
        Shape frame = new Shape(1, models.vae().config().latentChannels(), s.get(2) / vsf, s.get(3) / vsf);
        DataType dtype = models.device().dtype();
        boolean cfg = p.doClassifierFreeGuidance();
        AttnProcessors crossFrame = AttnProcessors.all(new CrossFrameAttnProcessor(cfg ? 2 : 1));
        PipelineTrace trace = run.trace();
        StageTimer timer = run.timer();

        try (NDManager work = models.manager().newSubManager();
             ChunkedFrames video = new ChunkedFrames(out)) {
            // 1. prompt embeddings, [G, L, D]: uncond first
            NDArray embeds;
            try (StageTimer.Stage ignored = timer.start("text_encoder")) {
                embeds = cfg ? PromptEncoder.encodeWithGuidance(models, work, p.prompt(), p.negativePrompt())
                        : PromptEncoder.encode(models.tokenizer(), models.textEncoder(), work, p.prompt());
            }

            // 2. schedule, and x_T: one draw for frame 0 that every frame starts from
            double[] timesteps;
            double initNoiseSigma;
            try (Scheduler scheduler = newScheduler(p)) {
                timesteps = scheduler.timesteps();
                initNoiseSigma = scheduler.initNoiseSigma();
            }
            trace.record("timesteps", work.create(toFloats(timesteps)));
            NDArray xT = run.noise().initial(work, new int[]{0}, frame).mul(initNoiseSigma).toType(dtype, false); // [1, C, h, w]

            // 3. chunk by chunk, each anchored on frame 0
            NDArray control = controlImages.toType(dtype, false);
            for (int[] chunk : VideoChunker.chunks(frames, p.chunkSize())) {
                video.add(Scopes.keep(() -> denoiseChunk(p, chunk, xT, control, embeds, frame, cfg, crossFrame,
                        timesteps, run)));
            }
            return video.result();
        }
    }

    /** Denoise one chunk from x_T under its control images; returns its decoded frames [m, H, W, 3] (or latents). */
    private NDArray denoiseChunk(ControlVideoParams p, int[] chunk, NDArray xT, NDArray control, NDArray embeds,
                                 Shape frame, boolean cfg, AttnProcessors processors, double[] timesteps,
                                 GenerationRun run) {
        PipelineTrace trace = run.trace();
        StageTimer timer = run.timer();
        int m = chunk.length;
        NDArray chunkControl = VideoChunker.select(control, chunk);                  // [m, 3, H, W]
        NDArray image = cfg ? NDArrays.concat(0, chunkControl, chunkControl) : chunkControl; // [G*m, 3, H, W]
        NDArray perFrame = Guidance.repeatPerFrame(embeds, m);                        // [G*m, L, D]: uncond x m, cond x m
        trace.record("prompt_embeds", perFrame);
        NDArray latents = xT.repeat(0, m);                                            // [m, C, h, w]: the same x_T
        trace.record("initial_latents", latents);

        NDArray x = latents;
        try (Scheduler scheduler = newScheduler(p); StageTimer.Stage ignored = timer.start("all_frames")) {
            for (int i = 0; i < timesteps.length; i++) {
                int step = i;
                double t = timesteps[i];
                NDArray current = x;
                NoiseSource stepNoise = (mgr, shape, caller) ->
                        run.noise().step(mgr, LOOP, step, chunk, frame).toType(current.getDataType(), false);
                x = Scopes.keep(() -> {
                    NDArray in = cfg ? NDArrays.concat(0, current, current) : current;     // [G*m, C, h, w]
                    in = scheduler.scaleModelInput(in, t);
                    NDArray timestep = in.getManager().create((float) t);
                    ControlNetOutput residuals = controlnet.forward(in, timestep, perFrame, image,
                            (float) p.controlnetConditioningScale(), processors);
                    NDArray eps = models.unet().forward(in, timestep, perFrame, processors, residuals); // [G*m, C, h, w]
                    NDArray guided = cfg ? Guidance.classifierFree(eps, p.guidanceScale()) : eps;     // [m, C, h, w]
                    trace.record("step_noise_pred", guided);
                    NDArray next = scheduler.step(guided, t, current, stepNoise).prevSample();
                    trace.record("step_latents", next);
                    return next;
                });
                if (current != latents) {
                    current.close();
                }
            }
        }
        return models.finish(x, trace, timer, run.outputLatents());
    }

    private Scheduler newScheduler(ControlVideoParams p) {
        Scheduler scheduler = Schedulers.fromConfig(models.schedulerConfig(), p.scheduler());
        scheduler.setTimesteps(p.numInferenceSteps());
        scheduler.setEta(p.eta());
        return scheduler;
    }

    static float[] toFloats(double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            f[i] = (float) values[i];
        }
        return f;
    }
}
