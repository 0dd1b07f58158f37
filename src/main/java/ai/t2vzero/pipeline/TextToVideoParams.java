package ai.t2vzero.pipeline;

import ai.t2vzero.video.VideoFormat;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Fully resolved and validated arguments of one text-to-video generation: every request default has been
 * merged in and every bound checked ({@code ai.t2vzero.function.TextToVideoRequest#resolve} is the only
 * producer). Field names are the camelCase forms of diffusers' {@code TextToVideoZeroPipeline.__call__}
 * arguments; {@code seed} is the one actually used (drawn at random when the request had none) so that the
 * response can echo it. {@code t0}/{@code t1} are indices for {@code t0t1Steps} steps: equal to
 * {@code numInferenceSteps} when the request gave them (index semantics), the configured reference step count (50)
 * when they are the defaults, in which case {@link TimestepIndices} derives the indices for
 * {@code numInferenceSteps} from the scheduler's schedule ({@link #warpIndices}). {@code mergingRatio} is the original
 * app's token merging ({@code tomesd.apply_patch(ratio=...)}; 0 = off).
 */
public record TextToVideoParams(
        String prompt,
        String negativePrompt,
        String model,
        int videoLength,
        int height,
        int width,
        int numInferenceSteps,
        double guidanceScale,
        double motionFieldStrengthX,
        double motionFieldStrengthY,
        int t0,
        int t1,
        int t0t1Steps,
        double eta,
        int chunkSize,
        long seed,
        SchedulerName scheduler,
        VideoFormat format,
        int fps,
        boolean useMotionField,
        boolean useCrossFrameAttention,
        double mergingRatio) {

    public TextToVideoParams {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(negativePrompt, "negativePrompt");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(format, "format");
    }

    /** Params with the original app's motion-field and cross-frame switches as given, no token merging. */
    public TextToVideoParams(String prompt, String negativePrompt, String model, int videoLength, int height,
            int width, int numInferenceSteps, double guidanceScale, double motionFieldStrengthX,
            double motionFieldStrengthY, int t0, int t1, int t0t1Steps, double eta, int chunkSize, long seed,
            SchedulerName scheduler, VideoFormat format, int fps, boolean useMotionField,
            boolean useCrossFrameAttention) {
        this(prompt, negativePrompt, model, videoLength, height, width, numInferenceSteps, guidanceScale,
                motionFieldStrengthX, motionFieldStrengthY, t0, t1, t0t1Steps, eta, chunkSize, seed, scheduler, format,
                fps, useMotionField, useCrossFrameAttention, 0);
    }

    /** Params with the original app's switches at their defaults (motion field, cross-frame attention, no merging). */
    public TextToVideoParams(String prompt, String negativePrompt, String model, int videoLength, int height,
            int width, int numInferenceSteps, double guidanceScale, double motionFieldStrengthX,
            double motionFieldStrengthY, int t0, int t1, int t0t1Steps, double eta, int chunkSize, long seed,
            SchedulerName scheduler, VideoFormat format, int fps) {
        this(prompt, negativePrompt, model, videoLength, height, width, numInferenceSteps, guidanceScale,
                motionFieldStrengthX, motionFieldStrengthY, t0, t1, t0t1Steps, eta, chunkSize, seed, scheduler, format,
                fps, true, true, 0);
    }

    /** These params with height/width 0 ("the bundle's native size") replaced by {@code nativeSize}. */
    public TextToVideoParams withNativeSize(int nativeSize) {
        return new TextToVideoParams(prompt, negativePrompt, model, videoLength, height == 0 ? nativeSize : height,
                width == 0 ? nativeSize : width, numInferenceSteps, guidanceScale, motionFieldStrengthX,
                motionFieldStrengthY, t0, t1, t0t1Steps, eta, chunkSize, seed, scheduler, format, fps,
                useMotionField, useCrossFrameAttention, mergingRatio);
    }

    /** These params with another chunk size (frames per all-frames UNet call; never changes the video). */
    public TextToVideoParams withChunkSize(int newChunkSize) {
        return new TextToVideoParams(prompt, negativePrompt, model, videoLength, height, width, numInferenceSteps,
                guidanceScale, motionFieldStrengthX, motionFieldStrengthY, t0, t1, t0t1Steps, eta, newChunkSize, seed,
                scheduler, format, fps, useMotionField, useCrossFrameAttention, mergingRatio);
    }

    /** These params with token merging at {@code ratio} (0: off). */
    public TextToVideoParams withMergingRatio(double ratio) {
        return new TextToVideoParams(prompt, negativePrompt, model, videoLength, height, width, numInferenceSteps,
                guidanceScale, motionFieldStrengthX, motionFieldStrengthY, t0, t1, t0t1Steps, eta, chunkSize, seed,
                scheduler, format, fps, useMotionField, useCrossFrameAttention, ratio);
    }

    /** The t0/t1 to run with, given {@code schedule} (steps -> the scheduler's timestep list). */
    public TimestepIndices.T0T1 warpIndices(java.util.function.IntFunction<double[]> schedule) {
        return TimestepIndices.forSteps(schedule, t0t1Steps, t0, t1, numInferenceSteps);
    }

    /** Whether classifier-free guidance runs (diffusers: {@code do_classifier_free_guidance = guidance_scale > 1}). */
    public boolean doClassifierFreeGuidance() {
        return guidanceScale > 1.0;
    }

    /**
     * Schedulers a request may name ({@code ai.t2vzero.scheduler.Schedulers} builds them from the bundle's
     * scheduler_config.json).
     */
    public enum SchedulerName {
        DDIM("ddim", "DDIMScheduler"),
        PNDM("pndm", "PNDMScheduler"),
        EULER_ANCESTRAL("euler-ancestral", "EulerAncestralDiscreteScheduler"),
        DPM_SOLVER_PP("dpm-solver++", "DPMSolverMultistepScheduler"),
        /** DPM-Solver++ with {@code use_karras_sigmas} on, whatever the bundle's config says. */
        DPM_SOLVER_PP_KARRAS("dpm-solver++-karras", null);

        private final String id;
        private final String className;

        SchedulerName(String id, String className) {
            this.id = id;
            this.className = className;
        }

        /** The name used in requests and config: "ddim", "pndm", "euler-ancestral", "dpm-solver++", ... */
        public String id() {
            return id;
        }

        public static Optional<SchedulerName> parse(String s) {
            String v = s.strip();
            for (SchedulerName n : values()) {
                if (n.id.equalsIgnoreCase(v) || n.id.replace('-', '_').equalsIgnoreCase(v)) {
                    return Optional.of(n);
                }
            }
            return Optional.empty();
        }

        /** The name of a diffusers scheduler class (its options, Karras sigmas included, come from its config). */
        public static Optional<SchedulerName> forClass(String diffusersClass) {
            for (SchedulerName n : values()) {
                if (diffusersClass.equals(n.className)) {
                    return Optional.of(n);
                }
            }
            return Optional.empty();
        }

        /** "ddim, pndm, ..." for error messages. */
        public static String list() {
            return java.util.Arrays.stream(values()).map(SchedulerName::id)
                    .collect(java.util.stream.Collectors.joining(", "));
        }
    }
}
