package ai.t2vzero.function;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.pipeline.ControlVideoParams;
import ai.t2vzero.pipeline.ControlVideoPipeline;

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
        Integer chunkSize,
        Long seed,
        String format,
        Integer timeoutSeconds,
        String webhook) implements VideoModeRequest, AsyncFields {

    /** A request with only a prompt and a video: every other field takes its default. */
    public static PoseToVideoRequest of(String prompt, String video) {
        return new PoseToVideoRequest(prompt, null, null, null, video, null, null, null, null, null, null, null, null,
                null, null, null, null);
    }

    public ControlVideoJob resolve(T2vConfig config) {
        return resolve(config.defaults(), config.limits(),
                () -> ThreadLocalRandom.current().nextLong(TextToVideoRequest.RANDOM_SEED_BOUND));
    }

    /**
     * Merges defaults into the absent fields and validates every value.
     *
     * @throws InvalidFieldException naming the first field at fault and its bound
     */
    public ControlVideoJob resolve(T2vConfig.Defaults d, T2vConfig.Limits limits, LongSupplier randomSeed) {
        T2vConfig.Pose p = d.pose();
        Common c = resolveCommon(d.model(), p.numInferenceSteps(), p.guidanceScale(), d, limits, randomSeed);
        String controlnetV = controlnet != null ? controlnet : p.controlnet();
        double scaleV = controlnetConditioningScale != null ? controlnetConditioningScale : p.controlnetConditioningScale();
        double etaV = eta != null ? eta : d.eta();

        TextToVideoRequest.checkModelName("controlnet", controlnetV);
        VideoModeRequest.checkNonNegative("controlnetConditioningScale", scaleV);
        EdgeToVideoRequest.checkEta(etaV);
        ControlVideoParams params = new ControlVideoParams(c.prompt(), c.negativePrompt(), c.numInferenceSteps(),
                c.guidanceScale(), scaleV, etaV, c.chunkSize(), ControlVideoPipeline.DEFAULT_SCHEDULER);
        return new ControlVideoJob(PoseToVideoFunction.NAME, c.model(), controlnetV, c.input(), null, params, c.seed(),
                c.format());
    }
}
