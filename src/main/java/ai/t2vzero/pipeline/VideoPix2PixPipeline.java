package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.model.nn.NDArrays;
import ai.t2vzero.runtime.Scopes;
import ai.t2vzero.runtime.StageTimer;
import ai.t2vzero.scheduler.Scheduler;

import java.util.List;

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
 * <p>The chunk loop is the {@link DenoisingEngine}'s; this class says how a chunk starts (fresh per-frame noise
 * next to the frames' image latents) and how its noise is predicted (three-way guidance).
 *
 * <p>Thread-safety: one instance may serve concurrent calls; each call builds its own schedulers and owns its
 * arrays in a sub-manager closed on return.
 */
public final class VideoPix2PixPipeline {

    /** Text2Video-Zero's scheduler for Video Instruct-Pix2Pix. */
    public static final String DEFAULT_SCHEDULER = "euler-ancestral";
    static final String LOOP = "denoise";
    static final String VAE_ENCODE = "vae_encode";

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
        return new DenoisingEngine(models, run).generate(new Pix2PixMode(p, video), out);
    }

    /** Instruct-Pix2Pix as a mode of the engine: image latents once, fresh noise per chunk, three-way guidance. */
    private final class Pix2PixMode extends VideoMode {

        private final VideoPix2PixParams p;
        private final NDArray video;
        private final boolean cfg;
        private final Shape frame;
        private NDArray imageLatents;
        private double initNoiseSigma;

        Pix2PixMode(VideoPix2PixParams p, NDArray video) {
            // eta 0: diffusers' InstructPix2Pix pipeline passes none
            super(new Settings((int) video.getShape().get(0), p.chunkSize(), frameLatent(models,
                    models.vae().config().latentChannels(), video.getShape().get(2), video.getShape().get(3)),
                    p.doClassifierFreeGuidance() ? 3 : 1, p.scheduler(), p.numInferenceSteps(), 0,
                    p.useCrossFrameAttention(), p.mergingRatio()));
            this.p = p;
            this.video = video;
            this.cfg = p.doClassifierFreeGuidance();
            this.frame = settings().frameLatent();
        }








        @Override
        List<GenerationListener.StagePlan> extraStages(double[] timesteps, List<int[]> chunks) {
            return List.of(new GenerationListener.StagePlan(VAE_ENCODE, settings().frames()));
        }


        /** [G, L, D] = [cond, uncond, uncond] (text+image, image only, neither) under guidance, else [cond]. */
        @Override
        NDArray encodePrompt(DenoisingEngine engine, NDManager work) {
            NDArray cond = PromptEncoder.encode(models.tokenizer(), models.textEncoder(), work, p.prompt());
            if (!cfg) {
                return cond;
            }
            NDArray uncond = PromptEncoder.encode(models.tokenizer(), models.textEncoder(), work, p.negativePrompt());
            return NDArrays.concat(0, cond, uncond, uncond);                             // [3, L, D]
        }

        /** Image latents: mode of the VAE posterior of 2 * video - 1, unscaled; one frame at a time. */
        @Override
        ChunkLoop prepare(DenoisingEngine engine, NDManager work, NDArray embeds, Scheduler scheduler) {
            try (StageTimer.Stage ignored = engine.run().timer().start(VAE_ENCODE)) {
                imageLatents = encodeFrames(engine, video, engine.dtype());            // [F, C, h, w]
            }
            double[] timesteps = scheduler.timesteps();
            initNoiseSigma = scheduler.initNoiseSigma();
            engine.run().trace().record("timesteps", work.create(ControlVideoPipeline.toFloats(timesteps)));
            return new ChunkLoop(new DenoisingEngine.Loop(LOOP, "", DenoisingEngine.ALL_FRAMES, timesteps), scheduler);
        }

        @Override
        ChunkStart startChunk(DenoisingEngine engine, int[] chunk, NDArray embeds) {
            PipelineTrace trace = engine.run().trace();
            int m = chunk.length;
            NDArray image = VideoChunker.select(imageLatents, chunk);                        // [m, C, h, w]
            NDArray imageCond = cfg ? NDArrays.concat(0, image, image, image.zerosLike()) : image; // [G*m, C, h, w]
            trace.record("image_latents", imageCond);
            NDArray perFrame = Guidance.repeatPerFrame(embeds, m);                           // [G*m, L, D]: cond, uncond, uncond
            trace.record("prompt_embeds", perFrame);
            NDArray latents = engine.run().noise().initial(image.getManager(), chunk, frame)
                    .mul(initNoiseSigma).toType(image.getDataType(), false);                  // [m, C, h, w]
            trace.record("initial_latents", latents);
            NoisePredictor threeWay = (scaled, t, processors) -> {
                NDArray in = cfg ? NDArrays.concat(0, scaled, scaled, scaled) : scaled;    // [G*m, C, h, w]
                NDArray unetIn = NDArrays.concat(1, in, imageCond);                        // [G*m, 2C, h, w]
                NDArray timestep = in.getManager().create((float) t);
                NDArray eps = models.unet().forward(unetIn, timestep, perFrame, processors, null); // [G*m, C, h, w]
                return cfg ? Guidance.instructPix2Pix(eps, p.guidanceScale(), p.imageGuidanceScale()) : eps; // [m, C, h, w]
            };
            return new ChunkStart(latents, threeWay);
        }
    }

    /** {@code vae.encode(2 * video - 1).mode()} frame by frame, so peak memory is one frame's encoder activations. */
    private NDArray encodeFrames(DenoisingEngine engine, NDArray video, DataType dtype) {
        long f = video.getShape().get(0);
        NDList latents = new NDList();
        for (long i = 0; i < f; i++) {
            String row = i + ":" + (i + 1);
            latents.add(Scopes.keep(() -> {
                NDArray image = video.get(row).mul(2f).subi(1f);                          // [1, 3, H, W] in [-1, 1]
                return models.vae().encode(image).mode().toType(dtype, false);           // [1, C, h, w]
            }));
            engine.stepDone(VAE_ENCODE);
        }
        if (latents.size() == 1) {
            return latents.get(0);
        }
        NDArray all = NDArrays.concat(latents, 0);                                      // [F, C, h, w]
        latents.close();
        return all;
    }
}
