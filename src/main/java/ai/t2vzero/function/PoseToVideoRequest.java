package ai.t2vzero.function;

import java.util.function.LongSupplier;

import ai.t2vzero.config.T2vConfig;

/**
 * Body of {@code pose-to-video}: Text2Video-Zero's "Text and Pose Conditional Video Generation" (ControlNet on
 * OpenPose). The input video holds the pose skeletons (as the app's pose videos do); each sampled frame is a
 * control image. {@code prompt} and {@code video} are required; every other field falls back to
 * {@code t2v.defaults.*} ({@code t2v.defaults.pose.*} for the mode's own).
 *
 * @param video      {@code upload:<id>} from POST /uploads, or an http(s) URL, of a skeleton video
 * @param fps        rate the video is sampled at and the result plays at
 * @param resolution longer side of the frames (both sides are rounded to multiples of 64)
 */
public record PoseToVideoRequest(
        String prompt,
        String negativePrompt,
        String model,
        String controlnet,
        String video,
        Integer videoLength,
        Integer fps,
        Integer resolution,
        Integer numInferenceSteps,
        Double guidanceScale,
        Double controlnetConditioningScale,
        Double eta,
        Boolean addQualityPrompt,
        Integer chunkSize,
        Long seed,
        String format,
        String scheduler,
        Boolean useCrossFrameAttention,
        Double mergingRatio,
        Integer timeoutSeconds,
        String webhook) implements ControlVideoRequest, AsyncFields {

    /** A request with only a prompt and a video: every other field takes its default. */
    public static PoseToVideoRequest of(String prompt, String video) {
        return new PoseToVideoRequest(prompt, null, null, null, video, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null);
    }

    public ControlVideoJob resolve(T2vConfig config) {
        return resolve(config.defaults(), config.limits(), GenerationRequest.randomSeed());
    }

    /**
     * Merges defaults into the absent fields and validates every value.
     *
     * @throws ai.t2vzero.errors.InvalidFieldException naming the first field at fault and its bound
     */
    public ControlVideoJob resolve(T2vConfig.Defaults d, T2vConfig.Limits limits, LongSupplier randomSeed) {
        T2vConfig.Pose p = d.pose();
        return resolveControl(PoseToVideoFunction.NAME, p.numInferenceSteps(), p.guidanceScale(), p.controlnet(),
                p.controlnetConditioningScale(), () -> null, d, limits, randomSeed);
    }
}
