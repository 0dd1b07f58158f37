package ai.t2vzero.function;

import ai.t2vzero.errors.InvalidFieldException;
import java.util.function.LongSupplier;

import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.video.CannyEdges;

/**
 * Body of {@code edge-to-video}: Text2Video-Zero's "Text and Edge Guided Video Generation" (ControlNet on Canny
 * edges). {@code prompt} and {@code video} are required; every other field falls back to {@code t2v.defaults.*}
 * ({@code t2v.defaults.edge.*} for the mode's own). With {@code extractEdges} (default) the edges of every sampled
 * frame are detected with Canny ({@code cannyLow}, {@code cannyHigh}); without, the video already is an edge video.
 * The shared fields are checked by {@link ControlVideoRequest#resolveControl}.
 *
 * @param video      {@code upload:<id>} from POST /uploads, or an http(s) URL
 * @param fps        rate the video is sampled at and the result plays at
 * @param resolution longer side of the frames (both sides are rounded to multiples of 64)
 */
public record EdgeToVideoRequest(
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
        Boolean extractEdges,
        Integer cannyLow,
        Integer cannyHigh,
        Integer chunkSize,
        Long seed,
        String format,
        String scheduler,
        Boolean useCrossFrameAttention,
        Double mergingRatio,
        Integer timeoutSeconds,
        String webhook) implements ControlVideoRequest, AsyncFields {

    /** A request with only a prompt and a video: every other field takes its default. */
    public static EdgeToVideoRequest of(String prompt, String video) {
        return new EdgeToVideoRequest(prompt, null, null, null, video, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null);
    }

    public ControlVideoJob resolve(T2vConfig config) {
        return resolve(config.defaults(), config.limits(), GenerationRequest.randomSeed());
    }

    /**
     * Merges defaults into the absent fields and validates every value.
     *
     * @throws InvalidFieldException naming the first field at fault and its bound
     */
    public ControlVideoJob resolve(T2vConfig.Defaults d, T2vConfig.Limits limits, LongSupplier randomSeed) {
        T2vConfig.Edge e = d.edge();
        return resolveControl(EdgeToVideoFunction.NAME, e.numInferenceSteps(), e.guidanceScale(), e.controlnet(),
                e.controlnetConditioningScale(), () -> canny(e), d, limits, randomSeed);
    }

    /** Canny on the input frames (thresholds in [0, 255], low <= high), or null for an edge video. */
    private CannyEdges canny(T2vConfig.Edge e) {
        boolean extractV = extractEdges != null ? extractEdges : e.extractEdges();
        int lowV = RequestChecks.range("cannyLow", cannyLow != null ? cannyLow : e.cannyLow(), 0, 255);
        int highV = RequestChecks.range("cannyHigh", cannyHigh != null ? cannyHigh : e.cannyHigh(), 0, 255);
        if (lowV > highV) {
            throw new InvalidFieldException("cannyLow",
                    "cannyLow must be <= cannyHigh (got cannyLow=" + lowV + ", cannyHigh=" + highV + ")");
        }
        return extractV ? new CannyEdges(lowV, highV) : null;
    }
}
