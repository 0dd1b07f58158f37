package ai.t2vzero.function;

import ai.t2vzero.errors.InvalidFieldException;
import java.util.function.LongSupplier;

import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.pipeline.TextToVideoParams;
import ai.t2vzero.pipeline.TextToVideoParams.SchedulerName;

/**
 * Body of {@code text-to-video} (plain JSON, or the {@code data} of a CloudEvent). Only {@code prompt} is
 * required; every other field falls back to {@code t2v.defaults.*}. Names are the camelCase forms of
 * diffusers' {@code TextToVideoZeroPipeline.__call__} arguments. {@link #resolve} merges defaults and validates
 * (the fields every mode shares through {@link GenerationRequest#resolveShared}).
 *
 * @param seed any 64-bit value; absent means a random seed in [0, 2^53) (exact in JavaScript), echoed in the answer
 * @param useMotionField the original app's {@code use_motion_field}: false = every frame its own x_T, no warp or jump
 * @param useCrossFrameAttention the original app's {@code use_cf_attn}: false = plain per-frame self-attention
 * @param mergingRatio   the original app's token merging (tomesd {@code ratio}), in [0, 1); 0 = off
 * @param timeoutSeconds deadline of this job (see {@link AsyncFields})
 * @param webhook        URL told when an asynchronous job ends (see {@link AsyncFields})
 */
public record TextToVideoRequest(
        String prompt,
        String negativePrompt,
        String model,
        Integer videoLength,
        Integer height,
        Integer width,
        Integer numInferenceSteps,
        Double guidanceScale,
        Double motionFieldStrengthX,
        Double motionFieldStrengthY,
        Integer t0,
        Integer t1,
        Double eta,
        Integer chunkSize,
        Long seed,
        String scheduler,
        Integer fps,
        String format,
        Boolean useMotionField,
        Boolean useCrossFrameAttention,
        Double mergingRatio,
        Integer timeoutSeconds,
        String webhook) implements GenerationRequest, AsyncFields {

    /** A request with only a prompt: every other field takes its default. */
    public static TextToVideoRequest ofPrompt(String prompt) {
        return new TextToVideoRequest(prompt, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null);
    }

    /** Merges {@code config}'s defaults into the absent fields, validates, and draws a seed when none was given. */
    public TextToVideoParams resolve(T2vConfig config) {
        return resolve(config.defaults(), config.limits(), GenerationRequest.randomSeed());
    }

    /**
     * Merges defaults into the absent fields and validates every value against {@code limits}: the shared fields
     * ({@link #resolveShared}), then Text2Video-Zero's own.
     *
     * @throws InvalidFieldException naming the first field at fault and its bound
     */
    public TextToVideoParams resolve(T2vConfig.Defaults d, T2vConfig.Limits limits, LongSupplier randomSeed) {
        Shared c = resolveShared(d.model(), d.numInferenceSteps(), d.guidanceScale(), d, limits, randomSeed);
        // 0 = the bundle's native size, resolved when the bundle is loaded (TextToVideoParams#withNativeSize)
        int heightV = height != null ? height : d.height().orElse(0);
        int widthV = width != null ? width : d.width().orElse(0);
        double motionXV = motionFieldStrengthX != null ? motionFieldStrengthX : d.motionFieldStrengthX();
        double motionYV = motionFieldStrengthY != null ? motionFieldStrengthY : d.motionFieldStrengthY();
        int t0V = t0 != null ? t0 : d.t0();
        int t1V = t1 != null ? t1 : d.t1();
        // explicit t0/t1 are indices into this request's schedule; the defaults are indices at d.t0T1Steps() steps,
        // re-derived for another step count from the same noise level (TimestepIndices)
        boolean explicitT0T1 = t0 != null || t1 != null;
        double etaV = eta != null ? eta : d.eta();
        String schedulerV = scheduler != null ? scheduler : d.scheduler();

        if (heightV != 0 || height != null) {
            RequestChecks.frameSize("height", heightV, limits.maxHeight());
        }
        if (widthV != 0 || width != null) {
            RequestChecks.frameSize("width", widthV, limits.maxWidth());
        }
        RequestChecks.finite("motionFieldStrengthX", motionXV);
        RequestChecks.finite("motionFieldStrengthY", motionYV);
        if (t0V < 0) {
            throw new InvalidFieldException("t0", "t0 must be >= 0 (got " + t0V + ")");
        }
        if (t0V >= t1V) {
            throw new InvalidFieldException("t0", "t0 must be < t1 (got t0=" + t0V + ", t1=" + t1V + ")");
        }
        if (explicitT0T1 && t1V >= c.numInferenceSteps()) {
            // t0 and t1 index the scheduler's timesteps from the end: timesteps[-t1 - 1] must exist
            throw new InvalidFieldException("t1", "t1 must be < numInferenceSteps (got t1=" + t1V
                    + ", numInferenceSteps=" + c.numInferenceSteps() + ")");
        }
        if (!explicitT0T1 && c.numInferenceSteps() < 2) {
            throw new InvalidFieldException("numInferenceSteps", "numInferenceSteps must be >= 2 for text-to-video "
                    + "(t0 < t1 need two timesteps; got " + c.numInferenceSteps() + ")");
        }
        RequestChecks.eta(etaV);
        SchedulerName schedulerName = SchedulerName.parse(schedulerV).orElseThrow(() -> new InvalidFieldException(
                "scheduler", "scheduler must be one of " + SchedulerName.list() + " (got \"" + schedulerV + "\")"));
        return new TextToVideoParams(c.prompt(), c.negativePrompt(), c.model(), c.videoLength(), heightV, widthV,
                c.numInferenceSteps(), c.guidanceScale(), motionXV, motionYV, t0V, t1V,
                explicitT0T1 ? c.numInferenceSteps() : d.t0T1Steps(), etaV, c.chunkSize(), c.seed(),
                schedulerName, c.format(), c.fps(),
                useMotionField != null ? useMotionField : d.useMotionField(),
                useCrossFrameAttention != null ? useCrossFrameAttention : d.useCrossFrameAttention(), c.mergingRatio());
    }
}
