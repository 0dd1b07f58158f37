package ai.t2vzero.function;

import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.errors.InvalidFieldException;
import ai.t2vzero.input.VideoInputs;
import ai.t2vzero.pipeline.TextToVideoParams;
import ai.t2vzero.video.VideoFormat;

import java.util.function.LongSupplier;

/**
 * The request fields every video mode (edge-to-video, pose-to-video, video-pix2pix) adds to the shared ones: the
 * input video and its sampling. {@link #resolveCommon} merges and validates them for all three.
 */
interface VideoModeRequest extends GenerationRequest {

    String video();

    Integer resolution();

    /** ddim, pndm, euler-ancestral, dpm-solver++ or dpm-solver++-karras (null: the mode's default). */
    String scheduler();

    /**
     * The shared fields and the input video, merged and validated ({@code scheduler}: the name for
     * {@code Schedulers.fromConfig}).
     */
    /** The original app's {@code use_cf_attn} (null: {@code t2v.defaults.use-cross-frame-attention}). */
    Boolean useCrossFrameAttention();

    /** Whether this request's UNet runs cross-frame attention (false: plain per-frame self-attention). */
    default boolean crossFrameAttention(T2vConfig.Defaults d) {
        return useCrossFrameAttention() != null ? useCrossFrameAttention() : d.useCrossFrameAttention();
    }

    record Common(String prompt, String negativePrompt, String model, VideoInput input, int numInferenceSteps,
                  double guidanceScale, int chunkSize, long seed, VideoFormat format, String scheduler) {}

    /**
     * Merges the defaults into the absent shared and input fields and validates them.
     *
     * @param defaultScheduler the mode's scheduler when the request names none (ddim for ControlNet, euler-ancestral
     *                         for pix2pix)
     * @throws InvalidFieldException naming the first field at fault and its bound
     */
    default Common resolveCommon(String defaultModel, int defaultSteps, double defaultGuidance, String defaultScheduler,
                                 T2vConfig.Defaults d, T2vConfig.Limits limits, LongSupplier randomSeed) {
        Shared s = resolveShared(defaultModel, defaultSteps, defaultGuidance, d, limits, randomSeed);
        String videoV = video();
        VideoInputs.checkReference(videoV, "video");       // the input package's one rule and message
        int resolutionV = RequestChecks.range("resolution", resolution() != null ? resolution() : d.resolution(),
                64, Math.min(limits.maxHeight(), limits.maxWidth()));
        String schedulerV = scheduler() != null ? scheduler() : defaultScheduler;
        TextToVideoParams.SchedulerName schedulerName = TextToVideoParams.SchedulerName.parse(schedulerV).orElseThrow(
                () -> new InvalidFieldException("scheduler", "scheduler must be one of "
                        + TextToVideoParams.SchedulerName.list() + " (got \"" + schedulerV + "\")"));
        return new Common(s.prompt(), s.negativePrompt(), s.model(),
                new VideoInput(videoV.strip(), s.videoLength(), s.fps(), resolutionV), s.numInferenceSteps(),
                s.guidanceScale(), s.chunkSize(), s.seed(), s.format(), schedulerName.id());
    }
}
