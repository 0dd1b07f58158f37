package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.model.nn.AttnProcessors;
import ai.t2vzero.model.nn.TokenMerging;
import ai.t2vzero.runtime.NoiseSource;
import ai.t2vzero.runtime.Scopes;
import ai.t2vzero.runtime.StageTimer;
import ai.t2vzero.scheduler.Scheduler;
import ai.t2vzero.scheduler.Schedulers;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one chunked denoising engine of every mode. It owns what the modes share: the chunk plan (frame 0 in every
 * chunk, {@link VideoChunker}), the per-frame noise streams ({@link VideoNoise}), the scheduler (built from the
 * registry by name) and its copies between loops, the denoising loop itself with one scope per step, decoding, and
 * the per-step hook ({@link GenerationListener}). A mode ({@link VideoMode}) says only how a chunk starts and how
 * its noise is predicted.
 *
 * <p>Memory: everything a run allocates lives on a sub-manager of the bundle's manager, closed on return; each step
 * keeps only its new latents; each chunk's working set is freed as soon as its frames are copied out
 * ({@link ChunkedFrames}), so a run holds the finished frames plus one chunk. When a listener stops the run
 * ({@link GenerationStoppedException}), or anything else fails, the same closing frees everything and the
 * exception goes through unchanged.
 *
 * <p>One instance per generation; not thread-safe.
 */
public final class DenoisingEngine {

    /** Stage names, as the stage timer and the listener see them. */
    public static final String TEXT_ENCODER = "text_encoder";
    public static final String ALL_FRAMES = "all_frames";
    public static final String VAE_DECODE = "vae_decode";

    /**
     * One denoising loop: {@code noiseKey} keys the per-frame step noise, {@code tracePrefix} prefixes the traced
     * per-step intermediates ({@code <prefix>step_latents}), {@code stage} names it for the timer and listener.
     */
    public record Loop(String noiseKey, String tracePrefix, String stage, double[] timesteps) {
    }

    private final StableDiffusionModels models;
    private final GenerationRun run;
    private final Map<String, Integer> planned = new LinkedHashMap<>();
    private final Map<String, Integer> done = new HashMap<>();
    private Shape frame;
    private AttnProcessors processors;
    private double mergingRatio;

    public DenoisingEngine(StableDiffusionModels models, GenerationRun run) {
        this.models = models;
        this.run = run;
    }

    /**
     * Generates the video {@code mode} describes: frames [F, H, W, 3] float32 in [0, 1] (or, with
     * {@code run.outputLatents()}, the final latents [F, C, h, w]), owned by {@code out}.
     */
    NDArray generate(VideoMode mode, NDManager out) {
        VideoMode.Settings settings = mode.settings();
        frame = settings.frameLatent();
        // the original app's use_cf_attn switch: off = the UNet's own self-attention (diffusers' AttnProcessor)
        processors = settings.crossFrameAttention()
                ? AttnProcessors.all(new CrossFrameAttnProcessor(settings.guidanceGroups()))
                : AttnProcessors.DEFAULT;
        mergingRatio = settings.mergingRatio();
        List<int[]> chunks = VideoChunker.chunks(settings.frames(), settings.chunkSize());
        StageTimer timer = run.timer();
        try (NDManager work = models.manager().newSubManager();
             ChunkedFrames video = new ChunkedFrames(out);
             Scheduler scheduler = newScheduler(settings)) {
            plan(mode, scheduler.timesteps(), chunks);

            // 1. prompt embeddings, [G, L, D]
            NDArray embeds;
            try (StageTimer.Stage ignored = timer.start(TEXT_ENCODER)) {
                embeds = mode.encodePrompt(this, work);
            }
            stepDone(TEXT_ENCODER);

            // 2. what the chunks share (first-frame loops, image latents...)
            VideoMode.ChunkLoop loop = mode.prepare(this, work, embeds, scheduler);
            try {
                // 3. chunk by chunk, each anchored on frame 0; a chunk's arrays go as soon as its frames are copied out
                for (int[] chunk : chunks) {
                    video.add(Scopes.keep(() -> denoiseChunk(mode, chunk, embeds, loop)));
                }
            } finally {
                if (loop.scheduler() != scheduler) {
                    loop.scheduler().close();
                }
            }
            return video.result();
        }
    }

    private NDArray denoiseChunk(VideoMode mode, int[] chunk, NDArray embeds, VideoMode.ChunkLoop loop) {
        VideoMode.ChunkStart start = mode.startChunk(this, chunk, embeds);
        NDArray x0;
        try (Scheduler s = loop.scheduler().copy()) {
            x0 = denoise(s, loop.loop(), start.latents(), chunk, start.predictor());
        }
        return finish(x0);
    }

    /**
     * The denoising loop: for each timestep, scale -> predict the (guided) noise -> scheduler step, each step in its
     * own scope so that only the new latents survive; the listener hears of every step.
     *
     * @param latents [m, C, h, w] of {@code frames}
     * @return the latents after the last step, [m, C, h, w]
     */
    NDArray denoise(Scheduler scheduler, Loop loop, NDArray latents, int[] frames, NoisePredictor predictor) {
        PipelineTrace trace = run.trace();
        double[] timesteps = loop.timesteps();
        NDArray x = latents;
        try (StageTimer.Stage ignored = run.timer().start(loop.stage())) {
            for (int i = 0; i < timesteps.length; i++) {
                int step = i;
                double t = timesteps[i];
                NDArray current = x;
                NoiseSource stepNoise = (m, shape, caller) ->
                        run.noise().step(m, loop.noiseKey(), step, frames, frame).toType(current.getDataType(), false);
                AttnProcessors unet = unetProcessors(loop, step);
                x = Scopes.keep(() -> {
                    NDArray guided = predictor.predict(scheduler.scaleModelInput(current, t), t, unet); // [m, C, h, w]
                    trace.record(loop.tracePrefix() + "step_noise_pred", guided);
                    NDArray next = scheduler.step(guided, t, current, stepNoise).prevSample();
                    trace.record(loop.tracePrefix() + "step_latents", next);
                    return next;
                });
                if (current != latents) {
                    current.close();
                }
                stepDone(loop.stage());
            }
        }
        if (!loop.tracePrefix().isEmpty()) {
            trace.record(loop.tracePrefix() + "timesteps", timestepArray(latents.getManager(), timesteps));
        }
        return x;
    }

    /**
     * The UNet's processors at step {@code step} of {@code loop}: the run's, with token merging when the mode asks for
     * it (the original app's {@code tomesd.apply_patch(pipe, ratio)}), its random dst tokens keyed by (seed, loop,
     * step, block) so that every chunk at that step gets the same partition. Ratio 0: the run's processors as they are.
     */
    private AttnProcessors unetProcessors(Loop loop, int step) {
        if (mergingRatio <= 0) {
            return processors;
        }
        return processors.withTokenMerging(TokenMerging.tomesd(mergingRatio, (block, cells, cellSize) ->
                run.noise().tokenMergeDst(loop.noiseKey(), step, block, cells, cellSize)));
    }

    /** Traces {@code final_latents}, then returns them ({@code outputLatents}) or decodes them, one frame at a time. */
    private NDArray finish(NDArray finalLatents) {
        run.trace().record("final_latents", finalLatents);
        if (run.outputLatents()) {
            return finalLatents;
        }
        NDArray frames;
        try (StageTimer.Stage ignored = run.timer().start(VAE_DECODE)) {
            frames = models.vae().decodeFrames(finalLatents, 1);                   // [m, H, W, 3] in [0, 1]
        }
        run.trace().record("frames", frames);
        stepDone(VAE_DECODE);
        return frames;
    }

    /** Tells the listener the run's stages; nothing has been computed yet. */
    private void plan(VideoMode mode, double[] timesteps, List<int[]> chunks) {
        planned.put(TEXT_ENCODER, 1);
        for (GenerationListener.StagePlan s : mode.extraStages(timesteps, chunks)) {
            planned.merge(s.stage(), s.units(), Integer::sum);
        }
        planned.merge(ALL_FRAMES, chunks.size() * mode.chunkSteps(timesteps), Integer::sum);
        if (!run.outputLatents()) {
            planned.put(VAE_DECODE, chunks.size());
        }
        List<GenerationListener.StagePlan> plan = new ArrayList<>();
        planned.forEach((stage, units) -> plan.add(new GenerationListener.StagePlan(stage, units)));
        run.listener().onPlan(List.copyOf(plan));
    }

    /** One unit of {@code stage} is done: the listener hears of it (and may stop the run by throwing). */
    void stepDone(String stage) {
        int step = done.merge(stage, 1, Integer::sum);
        run.listener().onStep(stage, step, planned.getOrDefault(stage, step));
    }

    private Scheduler newScheduler(VideoMode.Settings settings) {
        Scheduler scheduler = Schedulers.fromConfig(models.schedulerConfig(), settings.scheduler());
        scheduler.setTimesteps(settings.numInferenceSteps());
        scheduler.setEta(settings.eta());
        return scheduler;
    }

    /** The models this engine runs. */
    StableDiffusionModels models() {
        return models;
    }

    /** This generation's noise, timer, trace and listener. */
    GenerationRun run() {
        return run;
    }

    /** The shape of one frame's latent, [1, C, h, w]. */
    Shape frame() {
        return frame;
    }

    /**
     * Cross-frame attention on frame 0 of every chunk (or plain attention), without token merging: the ControlNet's
     * (the UNet's come per step, {@link NoisePredictor#predict}).
     */
    AttnProcessors processors() {
        return processors;
    }

    /** The compute dtype of the models. */
    DataType dtype() {
        return models.device().dtype();
    }

    /** Timesteps as diffusers holds them: int64 when all are integral (DDIM, PNDM, DPM-Solver), else float32. */
    static NDArray timestepArray(NDManager manager, double[] timesteps) {
        boolean integral = java.util.Arrays.stream(timesteps).allMatch(t -> t == Math.rint(t));
        return manager.create(timesteps).toType(integral ? DataType.INT64 : DataType.FLOAT32, false);
    }
}
