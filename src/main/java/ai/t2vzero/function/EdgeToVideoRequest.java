package ai.t2vzero.function;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.pipeline.ControlVideoParams;
import ai.t2vzero.pipeline.ControlVideoPipeline;
import ai.t2vzero.video.CannyEdges;

/**
 * Body of {@code edge-to-video}: Text2Video-Zero's "Text and Edge Guided Video Generation" (ControlNet on Canny
 * edges). {@code prompt} and {@code video} are required; every other field falls back to {@code t2v.defaults.*}
 * ({@code t2v.defaults.edge.*} for the mode's own). With {@code extractEdges} (default) the edges of every sampled
 * frame are detected with Canny ({@code cannyLow}, {@code cannyHigh}); without, the video already is an edge video.
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
        Boolean extractEdges,
        Integer cannyLow,
        Integer cannyHigh,
        Integer chunkSize,
        Long seed,
        String format,
        Integer timeoutSeconds,
        String webhook) implements VideoModeRequest, AsyncFields {

    /** A request with only a prompt and a video: every other field takes its default. */
    public static EdgeToVideoRequest of(String prompt, String video) {
        return new EdgeToVideoRequest(prompt, null, null, null, video, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null);
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
        T2vConfig.Edge e = d.edge();
        Common c = resolveCommon(d.model(), e.numInferenceSteps(), e.guidanceScale(), d, limits, randomSeed);
        String controlnetV = controlnet != null ? controlnet : e.controlnet();
        double scaleV = controlnetConditioningScale != null ? controlnetConditioningScale : e.controlnetConditioningScale();
        double etaV = eta != null ? eta : d.eta();
        boolean extractV = extractEdges != null ? extractEdges : e.extractEdges();
        int lowV = cannyLow != null ? cannyLow : e.cannyLow();
        int highV = cannyHigh != null ? cannyHigh : e.cannyHigh();

        TextToVideoRequest.checkModelName("controlnet", controlnetV);
        VideoModeRequest.checkNonNegative("controlnetConditioningScale", scaleV);
        checkEta(etaV);
        TextToVideoRequest.checkRange("cannyLow", lowV, 0, 255);
        TextToVideoRequest.checkRange("cannyHigh", highV, 0, 255);
        if (lowV > highV) {
            throw new InvalidFieldException("cannyLow",
                    "cannyLow must be <= cannyHigh (got cannyLow=" + lowV + ", cannyHigh=" + highV + ")");
        }
        ControlVideoParams params = new ControlVideoParams(c.prompt(), c.negativePrompt(), c.numInferenceSteps(),
                c.guidanceScale(), scaleV, etaV, c.chunkSize(), ControlVideoPipeline.DEFAULT_SCHEDULER);
        return new ControlVideoJob(EdgeToVideoFunction.NAME, c.model(), controlnetV, c.input(),
                extractV ? new CannyEdges(lowV, highV) : null, params, c.seed(), c.format());
    }

    static void checkEta(double eta) {
        TextToVideoRequest.checkFinite("eta", eta);
        if (eta < 0 || eta > 1) {
            throw new InvalidFieldException("eta", "eta must be in [0, 1] (got " + eta + ")");
        }
    }
}
