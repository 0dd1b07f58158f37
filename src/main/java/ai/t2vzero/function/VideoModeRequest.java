package ai.t2vzero.function;

import ai.t2vzero.errors.InvalidFieldException;
import java.util.function.LongSupplier;

import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.input.VideoInputs;
import ai.t2vzero.video.VideoFormat;

/**
 * The request fields every video mode (edge-to-video, pose-to-video, video-pix2pix) adds to the shared ones: the
 * input video and its sampling. {@link #resolveCommon} merges and validates them for all three.
 */
interface VideoModeRequest extends GenerationRequest {

    String video();

    Integer resolution();

    /** The shared fields and the input video, merged and validated. */
    record Common(String prompt, String negativePrompt, String model, VideoInput input, int numInferenceSteps,
                  double guidanceScale, int chunkSize, long seed, VideoFormat format) {}

    /**
     * Merges the defaults into the absent shared and input fields and validates them.
     *
     * @throws InvalidFieldException naming the first field at fault and its bound
     */
    default Common resolveCommon(String defaultModel, int defaultSteps, double defaultGuidance, T2vConfig.Defaults d,
                                 T2vConfig.Limits limits, LongSupplier randomSeed) {
        Shared s = resolveShared(defaultModel, defaultSteps, defaultGuidance, d, limits, randomSeed);
        String videoV = video();
        checkVideoReference(videoV);
        int resolutionV = RequestChecks.range("resolution", resolution() != null ? resolution() : d.resolution(),
                64, Math.min(limits.maxHeight(), limits.maxWidth()));
        return new Common(s.prompt(), s.negativePrompt(), s.model(),
                new VideoInput(videoV.strip(), s.videoLength(), s.fps(), resolutionV), s.numInferenceSteps(),
                s.guidanceScale(), s.chunkSize(), s.seed(), s.format());
    }

    /** Required; {@code upload:<id>} or an http(s) URL (the input package checks the rest when it fetches it). */
    static void checkVideoReference(String video) {
        if (video == null || video.isBlank()) {
            throw new InvalidFieldException("video", "video is required: an http(s) URL or upload:<id> from POST /uploads");
        }
        if (VideoInputs.kind(video).isEmpty()) {
            throw new InvalidFieldException("video", "video must be an http(s) URL or upload:<id> from POST /uploads");
        }
    }
}
