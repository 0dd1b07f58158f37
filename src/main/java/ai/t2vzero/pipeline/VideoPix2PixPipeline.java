package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.model.nn.NDArrays;
import ai.t2vzero.runtime.NoiseSource;
import ai.t2vzero.runtime.Scopes;
import ai.t2vzero.runtime.StageTimer;
import ai.t2vzero.scheduler.Scheduler;
import ai.t2vzero.scheduler.Schedulers;

/**
 * Video Instruct-Pix2Pix (Sec. 4.4 of arXiv 2303.13439): diffusers' {@code StableDiffusionInstructPix2PixPipeline}
 * with {@link CrossFrameAttnProcessor}(3) on the UNet, Euler-Ancestral by default. Each input frame is encoded to
 * the mode of the VAE's latent distribution (unscaled, as InstructPix2Pix was trained) and concatenated to the noisy
 * latent on the channel axis (an 8-channel UNet); three-way guidance mixes the text+image, image-only and
 * unconditioned predictions. Frames are denoised chunk by chunk, each chunk re-including frame 0 (the cross-frame
 * anchor), with every per-frame draw from {@link VideoNoise} keyed by frame, so chunking does not change the video.
 *
 * <p>Shapes: F frames, m frames in a chunk (frame 0 first), G guidance groups (3 under guidance: text, image,
 * uncond; else 1), C latent channels, h x w latent size, H x W image size, L tokens, D text width.
 *
 * <p>Thread-safety: one instance may serve concurrent calls; each call builds its own schedulers and owns its
 * arrays in a sub-manager closed on return.
 */
public final class VideoPix2PixPipeline {

    /** Text2Video-Zero's scheduler for Video Instruct-Pix2Pix. */
    public static final String DEFAULT_SCHEDULER = "euler-ancestral";
    static final String LOOP = "denoise";

    private final StableDiffusionModels models;

    /** @throws IllegalArgumentException when the bundle's UNet does not take latent + image channels */
    public VideoPix2PixPipeline(StableDiffusionModels models) {
        requireInstructPix2Pix(models);
        this.models = models;
    }

    /** Fails naming the bundle unless its UNet takes the noisy latent and the image latent concatenated. */
    public static void requireInstructPix2Pix(StableDiffusionModels models) {
        int latent = models.vae().config().latentChannels();
        int in = models.unet().config().inChannels();
        if (in != 2 * latent) {
            throw new IllegalArgumentException("model '" + models.name() + "' is not an InstructPix2Pix bundle: its unet"
                    + " has in_channels " + in + ", an InstructPix2Pix UNet takes " + 2 * latent + " (" + latent
                    + " latent + " + latent + " image channels)");
        }
    }

    /**
     * Edits every frame of {@code video} as {@code p.prompt()} instructs.
     *
     * @param video [F, 3, H, W] in [0, 1] (H and W multiples of the VAE scale factor, 8 for SD)
     * @return frames [F, H, W, 3] float32 in [0, 1] (or, with {@code run.outputLatents()}, latents [F, C, h, w]),
     *         owned by {@code out}
     */
    public NDArray generate(VideoPix2PixParams p, NDArray video, GenerationRun run, NDManager out) {
        Shape s = video.getShape();
        int vsf = models.vaeScaleFactor();
        long imageChannels = models.vae().config().inChannels();
        if (s.dimension() != 4 || s.get(1) != imageChannels || s.get(2) % vsf != 0 || s.get(3) % vsf != 0) {
            throw new IllegalArgumentException("video must be [F, " + imageChannels + ", H, W] with H and W multiples of "
                    + vsf + ", got " + s);
        }
        int frames = (int) s.get(0);
        Shape frame = new Shape(1, models.vae().config().latentChannels(), s.get(2) / vsf, s.get(3) / vsf);
        DataType dtype = models.device().dtype();
        boolean cfg = p.doClassifierFreeGuidance();
        AttnProcessors crossFrame = AttnProcessors.all(new CrossFrameAttnProcessor(cfg ? 3 : 1));
        PipelineTrace trace = run.trace();
        StageTimer timer = run.timer();

        try (NDManager work = models.manager().newSubManager();
             ChunkedFrames result = new ChunkedFrames(out)) {
            // 1. prompt embeddings, [G, L, D]: cond, uncond, uncond (text+image, image only, neither)
            NDArray embeds;
            try (StageTimer.Stage ignored = timer.start("text_encoder")) {
                NDArray cond = PromptEncoder.encode(models.tokenizer(), models.textEncoder(), work, p.prompt());
                embeds = cfg ? withImageGuidance(cond, PromptEncoder.encode(models.tokenizer(), models.textEncoder(),
                        work, p.negativePrompt())) : cond;
            }

            // 2. image latents: mode of the VAE posterior of 2 * video - 1, unscaled; one frame at a time
            NDArray imageLatents;
            try (StageTimer.Stage ignored = timer.start("vae_encode")) {
                imageLatents = encodeFrames(video, dtype);                             // [F, C, h, w]
            }

            // 3. schedule
            double[] timesteps;
            try (Scheduler scheduler = newScheduler(p)) {
                timesteps = scheduler.timesteps();
            }
            trace.record("timesteps", work.create(ControlVideoPipeline.toFloats(timesteps)));

            // 4. chunk by chunk, each anchored on frame 0
            for (int[] chunk : VideoChunker.chunks(frames, p.chunkSize())) {
                result.add(Scopes.keep(() -> denoiseChunk(p, chunk, imageLatents, embeds, frame, cfg, crossFrame,
                        timesteps, run)));
            }
            return result.result();
        }
    }

    /** [3, L, D] = [cond, uncond, uncond] from cond [1, L, D] and uncond [1, L, D]. */
    private static NDArray withImageGuidance(NDArray cond, NDArray uncond) {
        return NDArrays.concat(0, cond, uncond, uncond);                                 // [3, L, D]
    }

    /** {@code vae.encode(2 * video - 1).mode()} frame by frame, so peak memory is one frame's encoder activations. */
    private NDArray encodeFrames(NDArray video, DataType dtype) {
        long f = video.getShape().get(0);
        NDList latents = new NDList();
        for (long i = 0; i < f; i++) {
            String row = i + ":" + (i + 1);
            latents.add(Scopes.keep(() -> {
                NDArray image = video.get(row).mul(2f).subi(1f);                          // [1, 3, H, W] in [-1, 1]
                return models.vae().encode(image).mode().toType(dtype, false);           // [1, C, h, w]
            }));
        }
        if (latents.size() == 1) {
            return latents.get(0);
        }
        NDArray all = NDArrays.concat(latents, 0);                                      // [F, C, h, w]
        latents.close();
        return all;
    }

    /** Denoise one chunk; returns its decoded frames [m, H, W, 3] (or latents). */
    private NDArray denoiseChunk(VideoPix2PixParams p, int[] chunk, NDArray imageLatents, NDArray embeds, Shape frame,
                                 boolean cfg, AttnProcessors processors, double[] timesteps, GenerationRun run) {
        PipelineTrace trace = run.trace();
        StageTimer timer = run.timer();
        int m = chunk.length;
        NDArray image = VideoChunker.select(imageLatents, chunk);                        // [m, C, h, w]
        NDArray imageCond = cfg ? NDArrays.concat(0, image, image, image.zerosLike()) : image; // [G*m, C, h, w]
        trace.record("image_latents", imageCond);
        NDArray perFrame = Guidance.repeatPerFrame(embeds, m);                           // [G*m, L, D]: cond, uncond, uncond
        trace.record("prompt_embeds", perFrame);

        NDArray x;
        try (Scheduler scheduler = newScheduler(p); StageTimer.Stage ignored = timer.start("all_frames")) {
            NDArray latents = run.noise().initial(image.getManager(), chunk, frame)
                    .mul(scheduler.initNoiseSigma()).toType(image.getDataType(), false);  // [m, C, h, w]
            trace.record("initial_latents", latents);
            x = latents;
            for (int i = 0; i < timesteps.length; i++) {
                int step = i;
                double t = timesteps[i];
                NDArray current = x;
                NoiseSource stepNoise = (mgr, shape, caller) ->
                        run.noise().step(mgr, LOOP, step, chunk, frame).toType(current.getDataType(), false);
                x = Scopes.keep(() -> {
                    NDArray in = cfg ? NDArrays.concat(0, current, current, current) : current; // [G*m, C, h, w]
                    NDArray scaled = scheduler.scaleModelInput(in, t);
                    NDArray unetIn = NDArrays.concat(1, scaled, imageCond);            // [G*m, 2C, h, w]
                    NDArray timestep = in.getManager().create((float) t);
                    NDArray eps = models.unet().forward(unetIn, timestep, perFrame, processors, null); // [G*m, C, h, w]
                    NDArray guided = cfg
                            ? Guidance.instructPix2Pix(eps, p.guidanceScale(), p.imageGuidanceScale()) : eps; // [m, C, h, w]
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

    private Scheduler newScheduler(VideoPix2PixParams p) {
        Scheduler scheduler = Schedulers.fromConfig(models.schedulerConfig(), p.scheduler());
        scheduler.setTimesteps(p.numInferenceSteps());
        return scheduler;
    }
}
