package ai.t2vzero.function;

import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.errors.InvalidFieldException;
import ai.t2vzero.pipeline.ControlVideoParams;
import ai.t2vzero.pipeline.ControlVideoPipeline;
import ai.t2vzero.video.CannyEdges;

import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The fields both ControlNet modes (edge-to-video, pose-to-video) add to the video modes' ones, merged and
 * validated in one place ({@link #resolveControl}). With {@code addQualityPrompt} (default
 * {@code t2v.defaults.quality.add-quality-prompt}) the prompt gets the original app's quality suffix and, when the
 * request names no negative prompt, the app's fixed negative prompt.
 */
interface ControlVideoRequest extends VideoModeRequest {

    String controlnet();

    Double controlnetConditioningScale();

    Double eta();

    Boolean addQualityPrompt();

    /**
     * The job of mode {@code mode}, with the mode's defaults ({@code steps}, {@code guidance}, {@code controlnet},
     * {@code conditioningScale}) and the control-image extractor {@code canny} (checked after the shared fields; it
     * gives null when the video holds the control images).
     *
     * @throws InvalidFieldException naming the first field at fault and its bound
     */
    default ControlVideoJob resolveControl(String mode, int steps, double guidance, String defaultControlnet,
                                           double defaultConditioningScale, Supplier<CannyEdges> canny,
                                           T2vConfig.Defaults d,
                                           T2vConfig.Limits limits, LongSupplier randomSeed) {
        Common c = resolveCommon(d.model(), steps, guidance, ControlVideoPipeline.DEFAULT_SCHEDULER, d, limits,
                randomSeed);
        String controlnetV = RequestChecks.bundleName("controlnet", controlnet() != null ? controlnet() : defaultControlnet);
        double scaleV = RequestChecks.nonNegative("controlnetConditioningScale",
                controlnetConditioningScale() != null ? controlnetConditioningScale() : defaultConditioningScale);
        double etaV = RequestChecks.eta(eta() != null ? eta() : d.eta());
        boolean quality = addQualityPrompt() != null ? addQualityPrompt() : d.quality().addQualityPrompt();
        String prompt = quality ? c.prompt() + d.quality().promptSuffix() : c.prompt();
        String negative = quality && negativePrompt() == null ? d.quality().negativePrompt() : c.negativePrompt();
        ControlVideoParams params = new ControlVideoParams(prompt, negative, c.numInferenceSteps(), c.guidanceScale(),
                scaleV, etaV, c.chunkSize(), c.scheduler(), crossFrameAttention(d), c.mergingRatio());
        return new ControlVideoJob(mode, c.model(), controlnetV, c.input(), canny.get(), params, c.seed(), c.format());
    }
}
