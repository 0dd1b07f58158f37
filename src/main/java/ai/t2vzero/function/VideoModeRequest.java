package ai.t2vzero.function;

import java.util.Locale;
import java.util.function.LongSupplier;

import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.video.VideoFormat;

/**
 * The request fields every video mode (edge-to-video, pose-to-video, video-pix2pix) shares; the records implement
 * it with their components, and {@link #resolveCommon} merges and validates these fields in one place for all three.
 */
interface VideoModeRequest {

    String prompt();

    String negativePrompt();

    String model();

    String video();

    Integer videoLength();

    Integer fps();

    Integer resolution();

    Integer numInferenceSteps();

    Double guidanceScale();

    Integer chunkSize();

    Long seed();

    String format();

    /** The shared fields, merged and validated. */
    record Common(String prompt, String negativePrompt, String model, VideoInput input, int numInferenceSteps,
                  double guidanceScale, int chunkSize, long seed, VideoFormat format) {}

    /**
     * Merges the shared defaults into the absent shared fields and validates them, in field order.
     *
     * @param defaultModel  the mode's default bundle
     * @param defaultSteps  the mode's default numInferenceSteps
     * @param defaultGuidance the mode's default guidanceScale
     * @throws InvalidFieldException naming the first field at fault and its bound
     */
    default Common resolveCommon(String defaultModel, int defaultSteps, double defaultGuidance, T2vConfig.Defaults d,
                                 T2vConfig.Limits limits, LongSupplier randomSeed) {
        // 1. merge: request value, else the configured default
        String promptV = prompt();
        String negativePromptV = negativePrompt() != null ? negativePrompt() : d.negativePrompt().orElse("");
        String modelV = model() != null ? model() : defaultModel;
        String videoV = video();
        int videoLengthV = videoLength() != null ? videoLength() : d.videoLength();
        int fpsV = fps() != null ? fps() : d.fps();
        int resolutionV = resolution() != null ? resolution() : d.resolution();
        int stepsV = numInferenceSteps() != null ? numInferenceSteps() : defaultSteps;
        double guidanceV = guidanceScale() != null ? guidanceScale() : defaultGuidance;
        int chunkSizeV = chunkSize() != null ? chunkSize() : d.chunkSize();
        String formatV = format() != null ? format() : d.format();

        // 2. validate
        if (promptV == null || promptV.isBlank()) {
            throw new InvalidFieldException("prompt", "prompt must not be blank");
        }
        TextToVideoRequest.checkPromptLength("prompt", promptV, limits.maxPromptChars());
        TextToVideoRequest.checkPromptLength("negativePrompt", negativePromptV, limits.maxPromptChars());
        TextToVideoRequest.checkModelName("model", modelV);
        checkVideoReference(videoV);
        TextToVideoRequest.checkRange("videoLength", videoLengthV, 1, limits.maxVideoLength());
        TextToVideoRequest.checkRange("fps", fpsV, 1, 60);
        TextToVideoRequest.checkRange("resolution", resolutionV, 64, Math.min(limits.maxHeight(), limits.maxWidth()));
        TextToVideoRequest.checkRange("numInferenceSteps", stepsV, 1, limits.maxSteps());
        checkNonNegative("guidanceScale", guidanceV);
        if (chunkSizeV < 2) {
            throw new InvalidFieldException("chunkSize", "chunkSize must be >= 2 (got " + chunkSizeV + ")");
        }
        VideoFormat videoFormat;
        try {
            videoFormat = VideoFormat.parse(formatV);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("format", "format must be one of mp4, gif (got \"" + formatV + "\")");
        }
        long seedV = seed() != null ? seed() : randomSeed.getAsLong();
        return new Common(promptV, negativePromptV, modelV, new VideoInput(videoV.strip(), videoLengthV, fpsV, resolutionV),
                stepsV, guidanceV, chunkSizeV, seedV, videoFormat);
    }

    /** Required; {@code upload:<id>} or an http(s) URL (the input package checks the rest when it fetches it). */
    static void checkVideoReference(String video) {
        if (video == null || video.isBlank()) {
            throw new InvalidFieldException("video", "video is required: an http(s) URL or upload:<id> from POST /uploads");
        }
        String lower = video.strip().toLowerCase(Locale.ROOT);
        if (!lower.startsWith("upload:") && !lower.startsWith("http://") && !lower.startsWith("https://")) {
            throw new InvalidFieldException("video", "video must be an http(s) URL or upload:<id> from POST /uploads");
        }
    }

    static void checkNonNegative(String field, double value) {
        TextToVideoRequest.checkFinite(field, value);
        if (value < 0) {
            throw new InvalidFieldException(field, field + " must be >= 0 (got " + value + ")");
        }
    }
}
