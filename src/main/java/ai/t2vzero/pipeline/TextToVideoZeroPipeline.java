package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.t2vzero.errors.InvalidFieldException;
import ai.t2vzero.model.nn.NDArrays;
import ai.t2vzero.runtime.StageTimer;
import ai.t2vzero.scheduler.Scheduler;
import ai.t2vzero.scheduler.Schedulers;

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
 * <p>The chunk loop, scheduler copies, guidance and memory ownership are the {@link DenoisingEngine}'s; this class
 * is Algorithm 1's part of it: the first frame's loops, the motion-field warp and the DDPM jump that start each
 * chunk ({@link Algorithm1}).
 *
 * <p>Thread-safety: one instance per model bundle may serve concurrent calls; every call builds its own scheduler
 * and owns its arrays in a sub-manager that is closed on return.
 */
public final class TextToVideoZeroPipeline {

    static final String LOOP0 = "loop0";
    static final String LOOP1 = "loop1";
    static final String LOOP2 = "loop2";
    static final String FIRST_FRAME = "first_frame";
    static final String WARP = "warp";

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
        return new DenoisingEngine(models, run).generate(new Algorithm1(p, frameIds), out);
    }

    /** Algorithm 1 as a mode of the engine: the first frame's loops and the warp + DDPM jump that start each chunk. */
    private final class Algorithm1 extends VideoMode {

        private final TextToVideoParams p;
        private final int[] frameIds;
        private final boolean cfg;
        private final Shape frame;
        /** t0/t1 of this step count: the request's indices, or the defaults re-derived (TimestepIndices). */
        private final int t0;
        private final int t1;
        private NDArray x1T1;
        private NDArray x1T0;
        private double alphaVec;
        private double initNoiseSigma;                                       // motion field off: x_T of every frame

        Algorithm1(TextToVideoParams p, int[] frameIds) {
            super(new Settings(p.videoLength(), p.chunkSize(), frameLatent(models, models.unet().config().inChannels(),
                    p.height(), p.width()), p.doClassifierFreeGuidance() ? 2 : 1, p.scheduler().id(),
                    p.numInferenceSteps(), p.eta(), p.useCrossFrameAttention(), p.mergingRatio()));
            this.p = p;
            this.frameIds = frameIds;
            this.cfg = p.doClassifierFreeGuidance();
            this.frame = settings().frameLatent();
            TimestepIndices.T0T1 warp = p.warpIndices(steps -> {
                try (Scheduler s = Schedulers.fromConfig(models.schedulerConfig(), p.scheduler().id())) {
                    s.setTimesteps(steps);
                    return s.timesteps();
                }
            });
            this.t0 = warp.t0();
            this.t1 = warp.t1();
        }

        @Override
        List<GenerationListener.StagePlan> extraStages(double[] ts, List<int[]> chunks) {
            if (!p.useMotionField()) {
                return List.of();                                           // no first-frame loops, no warp
            }
            int n = ts.length;
            int firstFrameSteps = Math.max(0, n - t1 - 1) + Math.max(0, t1 - t0);  // loop 0 + loop 1
            int warped = (int) chunks.stream().filter(c -> c.length > 1).count();
            return List.of(new GenerationListener.StagePlan(FIRST_FRAME, firstFrameSteps),
                    new GenerationListener.StagePlan(WARP, warped));
        }

        @Override
        int chunkSteps(double[] ts) {
            return p.useMotionField() ? Math.min(ts.length, t1 + 1) : ts.length;  // loop 2, or the whole schedule
        }

        @Override
        NDArray encodePrompt(DenoisingEngine engine, NDManager work) {
            NDArray embeds = PromptEncoder.encode(models, work, cfg, p.prompt(), p.negativePrompt()); // [G, L, D]: uncond first
            engine.run().trace().record("prompt_embeds", embeds);
            return embeds;
        }

        @Override
        ChunkLoop prepare(DenoisingEngine engine, NDManager work, NDArray embeds, Scheduler scheduler) {
            PipelineTrace trace = engine.run().trace();
            // 2. loop boundaries as python slices timesteps[:-t1-1], [-t1-1:-t0-1], [-t1-1:]
            double[] ts = scheduler.timesteps();
            int n = ts.length;
            if (t1 >= n || t0 < 0 || t0 >= t1) {
                // the request's indices do not fit this scheduler's list: the caller's error (400 naming the field),
                // never an internal fault, whichever check upstream let it through
                String field = t0 < 0 || t0 >= t1 ? "t0" : "t1";
                throw new InvalidFieldException(field, "t0 < t1 <= " + (n - 1) + " required: the " + p.scheduler().id()
                        + " schedule of " + p.numInferenceSteps() + " steps has " + n + " timesteps (got t0=" + t0
                        + ", t1=" + t1 + ")");
            }
            trace.record("timesteps", DenoisingEngine.timestepArray(work, ts));
            if (!p.useMotionField()) {
                // the original app's use_motion_field=False: every frame its own x_T, all frames denoised together
                // over the whole schedule (cross-frame attention still anchors them on frame 0); no t0/t1 jump
                initNoiseSigma = scheduler.initNoiseSigma();
                return new ChunkLoop(loop(LOOP0, DenoisingEngine.ALL_FRAMES, ts), scheduler);
            }
            double[] loop0 = Arrays.copyOfRange(ts, 0, n - t1 - 1);
            double[] loop1 = Arrays.copyOfRange(ts, n - t1 - 1, n - t0 - 1);
            double[] loop2 = Arrays.copyOfRange(ts, n - t1 - 1, n);

            // 3. x^1_T -> x^1_{T1} -> x^1_{T0}: the first frame alone
            int[] first = {0};
            NDArray x1T = engine.run().noise().initial(work, first, frame).mul(scheduler.initNoiseSigma())
                    .toType(engine.dtype(), false);
            trace.record("initial_latents", x1T);
            NoisePredictor unet = unet(engine, embeds);
            x1T1 = engine.denoise(scheduler, loop(LOOP0, FIRST_FRAME, loop0), x1T, first, unet);
            trace.record("x_1_t1", x1T1);
            Scheduler afterLoop0 = scheduler.copy();                   // loop 2 resumes from here (PNDM keeps history)
            try {
                x1T0 = engine.denoise(scheduler, loop(LOOP1, FIRST_FRAME, loop1), x1T1, first, unet);
            } catch (RuntimeException e) {
                afterLoop0.close();
                throw e;
            }
            trace.record("x_1_t0", x1T0);

            // 4. DDPM forward jump t0 -> t1: x_t1 = sqrt(P) x_t0 + sqrt(1 - P) eps, P = prod(alphas[t0v:t1v])
            // (float timesteps of Euler-type schedulers index the nearest training timestep, half to even)
            alphaVec = alphaProduct(afterLoop0.alphas(), (int) Math.rint(ts[n - t0 - 1]), (int) Math.rint(ts[n - t1 - 1]));
            return new ChunkLoop(loop(LOOP2, DenoisingEngine.ALL_FRAMES, loop2), afterLoop0);
        }

        /** 5. a chunk starts at x^1_{T1} for frame 0 and the warped, forward-noised x^k_{T1} for the others. */
        @Override
        ChunkStart startChunk(DenoisingEngine engine, int[] chunk, NDArray embeds) {
            PipelineTrace trace = engine.run().trace();
            NDArray perFrame = cfg ? Guidance.repeatPerFrame(embeds, chunk.length) : embeds.repeat(0, chunk.length);
            if (!p.useMotionField()) {
                NDArray xT = engine.run().noise().initial(embeds.getManager(), chunk, frame)
                        .mul(initNoiseSigma).toType(engine.dtype(), false);   // [m, C, h, w]
                trace.record("initial_latents", xT);
                return new ChunkStart(xT, unet(engine, perFrame));
            }
            NDManager work = x1T1.getManager();
            int[] others = Arrays.copyOfRange(chunk, 1, chunk.length);   // frames k >= 1 of this chunk
            int[] motion = frameIds == null ? others : Arrays.stream(others).map(k -> frameIds[k]).toArray();
            NDArray x1kT1 = x1T1;
            if (others.length > 0) {
                NDArray x2kT1;
                try (StageTimer.Stage ignored = engine.run().timer().start(WARP)) {
                    NDArray prewarp = x1T0.repeat(0, others.length);     // [m-1, C, h, w]
                    trace.record("x_2k_t0_prewarp", prewarp);
                    if (trace.enabled()) {
                        trace.record("warp_grid", MotionField.grid(work, p.motionFieldStrengthX(),
                                p.motionFieldStrengthY(), motion, (int) frame.get(2), (int) frame.get(3)));
                    }
                    NDArray x2kT0 = MotionField.createMotionFieldAndWarpLatents(p.motionFieldStrengthX(),
                            p.motionFieldStrengthY(), motion, prewarp);      // [m-1, C, h, w]
                    trace.record("warped_latents", x2kT0);
                    NDArray eps = engine.run().noise().forward(work, others, frame).toType(x1T1.getDataType(), false);
                    x2kT1 = x2kT0.mul(Math.sqrt(alphaVec)).add(eps.mul(Math.sqrt(1 - alphaVec)));
                    trace.record("x_2k_t1", x2kT1);
                }
                engine.stepDone(WARP);
                x1kT1 = NDArrays.concat(0, x1T1, x2kT1);          // [m, C, h, w]: frame 0 first
            }
            trace.record("x_1k_t1", x1kT1);
            return new ChunkStart(x1kT1, unet(engine, perFrame));
        }

        /**
         * diffusers' {@code backward_loop} prediction: (duplicate for guidance ->) UNet with cross-frame attention ->
         * guidance. {@code embeds} [G*m, L, D].
         */
        private NoisePredictor unet(DenoisingEngine engine, NDArray embeds) {
            return (scaled, t, processors) -> {
                NDArray in = cfg ? NDArrays.concat(0, scaled, scaled) : scaled;       // [G*m, C, h, w]
                NDArray timestep = in.getManager().create((float) t);
                NDArray eps = models.unet().forward(in, timestep, embeds, processors, null); // [G*m, C, h, w]
                return cfg ? Guidance.classifierFree(eps, p.guidanceScale()) : eps;     // [m, C, h, w]
            };
        }

        private DenoisingEngine.Loop loop(String name, String stage, double[] timesteps) {
            return new DenoisingEngine.Loop(name, name + "_", stage, timesteps);
        }
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
