package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
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

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Text2Video-Zero (Khachatryan et al., arXiv 2303.13439, Algorithm 1) as diffusers' {@code TextToVideoZeroPipeline}
 * computes it, with one addition: frames are denoised chunk by chunk, each chunk re-including frame 0 as the
 * cross-frame anchor, and every frame's noise comes from its own stream ({@link VideoNoise}), so the video does not
 * depend on the chunk size and memory stays flat in video length.
 *
 * <p>Notation (paper -> variable): x^1_T -> {@code x1T}, x^1_{T1} -> {@code x1T1}, x^1_{T0} -> {@code x1T0},
 * x^k_{T0} (warped copies of x^1_{T0}) -> {@code x2kT0}, x^k_{T1} -> {@code x2kT1}, [x^1_{T1}, x^k_{T1}] ->
 * {@code x1kT1}, x^{1..m}_0 -> {@code x1k0}. Timestep indices t0 < t1 count from the end of the schedule.
 *
 * <p>Shapes: F frames, m frames in a chunk (frame 0 first), G guidance groups (2 with classifier-free guidance:
 * uncond then cond, else 1), C latent channels, h x w latent size, L = 77 tokens, D text width.
 *
 * <p>Thread-safety: one instance per model bundle may serve concurrent calls; every call builds its own scheduler
 * and owns its arrays in a sub-manager that is closed on return.
 */
public final class TextToVideoZeroPipeline {

    static final String LOOP0 = "loop0";
    static final String LOOP1 = "loop1";
    static final String LOOP2 = "loop2";

    private final StableDiffusionModels models;

    public TextToVideoZeroPipeline(StableDiffusionModels models) {
        this.models = models;
    }

    /**
     * Generates the video of {@code p}: frames [F, H, W, 3] float32 in [0, 1] (or, with
     * {@code run.outputLatents()}, the final latents [F, C, h, w]), owned by {@code out}.
     */
    public NDArray generate(TextToVideoParams p, GenerationRun run, NDManager out) {
        int[] frameIds = run.frameIds();
        if (frameIds != null && frameIds.length != p.videoLength()) {
            throw new IllegalArgumentException("frameIds has " + frameIds.length + " entries for " + p.videoLength() + " frames");
        }
        VideoNoise noise = run.noise();
        PipelineTrace trace = run.trace();
        StageTimer timer = run.timer();
        boolean outputLatents = run.outputLatents();
        int vsf = models.vaeScaleFactor();
        int h = p.height() / vsf;
        int w = p.width() / vsf;
        long channels = models.unet().config().inChannels();
        Shape frame = new Shape(1, channels, h, w);                   // one frame's latent
        DataType dtype = models.device().dtype();
        boolean cfg = p.guidanceScale() > 1.0;
        AttnProcessors crossFrame = AttnProcessors.all(new CrossFrameAttnProcessor(cfg ? 2 : 1));

        try (NDManager work = models.manager().newSubManager()) {
            // 1. prompt embeddings, [G, L, D]: uncond first
            NDArray embeds;
            try (StageTimer.Stage ignored = timer.start("text_encoder")) {
                embeds = cfg ? PromptEncoder.encodeWithGuidance(models, work, p.prompt(), p.negativePrompt())
                        : PromptEncoder.encode(models.tokenizer(), models.textEncoder(), work, p.prompt());
            }
            trace.record("prompt_embeds", embeds);

            // 2. schedule; loop boundaries as python slices timesteps[:-t1-1], [-t1-1:-t0-1], [-t1-1:]
            Scheduler scheduler = Schedulers.fromConfig(models.schedulerConfig(), p.scheduler().id());
            // t0/t1 for this step count (the defaults re-derived from the same noise level, see TimestepIndices)
            TimestepIndices.T0T1 warp = p.warpIndices(steps -> {
                try (Scheduler s = Schedulers.fromConfig(models.schedulerConfig(), p.scheduler().id())) {
                    s.setTimesteps(steps);
                    return s.timesteps();
                }
            });
            int t0 = warp.t0();
            int t1 = warp.t1();
            scheduler.setTimesteps(p.numInferenceSteps());
            scheduler.setEta(p.eta());
            double[] ts = scheduler.timesteps();
            int n = ts.length;
            if (t1 >= n || t0 < 0 || t0 >= t1) {
                throw new IllegalArgumentException("0 <= t0 < t1 < " + n + " required for a " + n + "-entry schedule (t0="
                        + t0 + ", t1=" + t1 + ")");
            }
            trace.record("timesteps", timestepArray(work, ts));
            double[] loop0 = Arrays.copyOfRange(ts, 0, n - t1 - 1);
            double[] loop1 = Arrays.copyOfRange(ts, n - t1 - 1, n - t0 - 1);
            double[] loop2 = Arrays.copyOfRange(ts, n - t1 - 1, n);

            // 3. x^1_T -> x^1_{T1} -> x^1_{T0}: the first frame alone
            int[] first = {0};
            NDArray x1T = noise.initial(work, first, frame).mul(scheduler.initNoiseSigma()).toType(dtype, false);
            trace.record("initial_latents", x1T);
            NDArray x1T1;
            NDArray x1T0;
            Scheduler afterLoop0;
            try (StageTimer.Stage ignored = timer.start("first_frame")) {
                x1T1 = backwardLoop(scheduler, LOOP0, loop0, x1T, embeds, first, frame, p.guidanceScale(), cfg,
                        crossFrame, noise, trace);
                trace.record("x_1_t1", x1T1);
                afterLoop0 = scheduler.copy();                     // loop 2 resumes from here (PNDM keeps history)
                x1T0 = backwardLoop(scheduler, LOOP1, loop1, x1T1, embeds, first, frame, p.guidanceScale(), cfg,
                        crossFrame, noise, trace);
                trace.record("x_1_t0", x1T0);
            } finally {
                scheduler.close();
            }

            // 4. DDPM forward jump t0 -> t1: x_t1 = sqrt(P) x_t0 + sqrt(1 - P) eps, P = prod(alphas[t0v:t1v])
            // (float timesteps of Euler-type schedulers index the nearest training timestep, half to even)
            double alphaVec = alphaProduct(afterLoop0.alphas(), (int) Math.rint(ts[n - t0 - 1]),
                    (int) Math.rint(ts[n - t1 - 1]));

            // 5. all frames, chunk by chunk, each chunk anchored on frame 0
            List<NDArray> frames = new ArrayList<>();
            try {
                for (int[] chunk : VideoChunker.chunks(p.videoLength(), p.chunkSize())) {
                    NDArray part = Scopes.keep(() -> denoiseChunk(chunk, frameIds, x1T1, x1T0, alphaVec, afterLoop0, loop2,
                            embeds, frame, p, cfg, crossFrame, noise, trace, timer, outputLatents));
                    // frame 0 is in every chunk: keep it from the first one only
                    NDArray kept = frames.isEmpty() ? part : part.get("1:");
                    NDArray f32 = kept.toType(DataType.FLOAT32, false);
                    NDArray owned = f32.duplicate();
                    owned.attach(out);
                    if (f32 != kept) {
                        f32.close();
                    }
                    frames.add(owned);
                    // the chunk's own copy goes now: only the finished frames stay, never a chunk's working set
                    if (kept != part) {
                        kept.close();
                    }
                    part.close();
                }
            } finally {
                afterLoop0.close();
            }
            if (frames.size() == 1) {
                return frames.get(0);
            }
            NDArray all = NDArrays.concat(new ai.djl.ndarray.NDList(frames.toArray(new NDArray[0])), 0);                   // [F, ...] in frame order
            all.attach(out);
            frames.forEach(NDArray::close);
            return all;
        }
    }

    /** Warp, forward-noise and denoise one chunk; returns its decoded frames [m, H, W, 3] (or latents). */
    private NDArray denoiseChunk(int[] chunk, int[] frameIds, NDArray x1T1, NDArray x1T0, double alphaVec, Scheduler afterLoop0,
                                 double[] loop2, NDArray embeds, Shape frame, TextToVideoParams p, boolean cfg,
                                 AttnProcessors crossFrame, VideoNoise noise, PipelineTrace trace,
                                 StageTimer timer, boolean outputLatents) {
        NDManager work = x1T1.getManager();
        DataType dtype = x1T1.getDataType();
        int[] others = Arrays.copyOfRange(chunk, 1, chunk.length);   // frames k >= 1 of this chunk
        int[] motion = frameIds == null ? others : Arrays.stream(others).map(k -> frameIds[k]).toArray();
        NDArray x1kT1 = x1T1;
        if (others.length > 0) {
            NDArray x2kT0;
            NDArray x2kT1;
            try (StageTimer.Stage ignored = timer.start("warp")) {
                NDArray prewarp = x1T0.repeat(0, others.length);     // [m-1, C, h, w]
                trace.record("x_2k_t0_prewarp", prewarp);
                if (trace.enabled()) {
                    trace.record("warp_grid", MotionField.grid(work, p.motionFieldStrengthX(), p.motionFieldStrengthY(),
                            motion, (int) frame.get(2), (int) frame.get(3)));
                }
                x2kT0 = MotionField.createMotionFieldAndWarpLatents(p.motionFieldStrengthX(), p.motionFieldStrengthY(),
                        motion, prewarp);                                // [m-1, C, h, w]
                trace.record("warped_latents", x2kT0);
                NDArray eps = noise.forward(work, others, frame).toType(dtype, false);
                x2kT1 = x2kT0.mul(Math.sqrt(alphaVec)).add(eps.mul(Math.sqrt(1 - alphaVec)));
                trace.record("x_2k_t1", x2kT1);
            }
            x1kT1 = NDArrays.concat(0, x1T1, x2kT1);          // [m, C, h, w]: frame 0 first
        }
        trace.record("x_1k_t1", x1kT1);

        NDArray perFrame = cfg ? Guidance.repeatPerFrame(embeds, chunk.length) : embeds.repeat(0, chunk.length);
        NDArray x1k0;
        try (Scheduler s = afterLoop0.copy(); StageTimer.Stage ignored = timer.start("all_frames")) {
            x1k0 = backwardLoop(s, LOOP2, loop2, x1kT1, perFrame, chunk, frame, p.guidanceScale(), cfg, crossFrame,
                    noise, trace);
        }
        return models.finish(x1k0, trace, timer, outputLatents);
    }

    /**
     * diffusers' {@code backward_loop}: for each timestep, (duplicate for guidance ->) scale -> UNet with cross-frame
     * attention -> guidance -> scheduler step. Each step runs in its own scope; only the new latents survive.
     *
     * @param latents [m, C, h, w]
     * @param embeds  [G*m, L, D]
     */
    private NDArray backwardLoop(Scheduler scheduler, String loop, double[] timesteps, NDArray latents, NDArray embeds,
                                 int[] frames, Shape frame, double guidanceScale, boolean cfg, AttnProcessors processors,
                                 VideoNoise noise, PipelineTrace trace) {
        NDArray x = latents;
        for (int i = 0; i < timesteps.length; i++) {
            int step = i;
            double t = timesteps[i];
            NDArray current = x;
            NoiseSource stepNoise = (m, shape, caller) ->
                    noise.step(m, loop, step, frames, frame).toType(current.getDataType(), false);
            x = Scopes.keep(() -> {
                NDArray in = cfg ? NDArrays.concat(0, current, current) : current; // [G*m, C, h, w]
                in = scheduler.scaleModelInput(in, t);
                NDArray timestep = in.getManager().create((float) t);
                NDArray eps = models.unet().forward(in, timestep, embeds, processors, null);  // [G*m, C, h, w]
                NDArray guided = cfg ? Guidance.classifierFree(eps, guidanceScale) : eps;     // [m, C, h, w]
                trace.record(loop + "_step_noise_pred", guided);
                NDArray next = scheduler.step(guided, t, current, stepNoise).prevSample();
                trace.record(loop + "_step_latents", next);
                return next;
            });
            if (current != latents) {
                current.close();
            }
        }
        trace.record(loop + "_timesteps", timestepArray(latents.getManager(), timesteps));
        return x;
    }

    /** Timesteps as diffusers holds them: int64 when all are integral (DDIM, PNDM, DPM-Solver), else float32. */
    static NDArray timestepArray(NDManager manager, double[] timesteps) {
        boolean integral = Arrays.stream(timesteps).allMatch(t -> t == Math.rint(t));
        return manager.create(timesteps).toType(integral ? DataType.INT64 : DataType.FLOAT32, false);
    }

    /** prod(alphas[from:to]) as torch.prod over the float32 alphas (python slice semantics). */
    static double alphaProduct(double[] alphas, int from, int to) {
        double prod = 1.0;
        for (int i = Math.max(0, from); i < Math.min(alphas.length, to); i++) {
            prod *= alphas[i];
        }
        return prod;
    }
}
