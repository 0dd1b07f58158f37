package ai.t2vzero.function;

import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.errors.InvalidFieldException;
import ai.t2vzero.video.VideoFormat;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * The fields all four request types share; the request records implement it with their components, and
 * {@link #resolveShared} merges their defaults and validates them in one place for every mode. The mode's own
 * fields are checked by the record's {@code resolve}, with {@link RequestChecks}.
 */
interface GenerationRequest {

    /** Largest seed drawn at random, exclusive: 2^53, so that JSON clients in JavaScript echo it exactly. */
    long RANDOM_SEED_BOUND = 1L << 53;

    String prompt();

    String negativePrompt();

    String model();

    Integer videoLength();

    Integer numInferenceSteps();

    Double guidanceScale();

    Integer chunkSize();

    Long seed();

    Integer fps();

    String format();

    /** The original app's token merging ratio (tomesd), in [0, 1); 0 = off. */
    Double mergingRatio();

    /** The shared fields, merged and validated; {@code seed} is the one used (drawn when the request had none). */
    record Shared(String prompt, String negativePrompt, String model, int videoLength, int numInferenceSteps,
                  double guidanceScale, int chunkSize, long seed, int fps, VideoFormat format, double mergingRatio) {}

    /** A seed in [0, 2^53). */
    static LongSupplier randomSeed() {
        return () -> ThreadLocalRandom.current().nextLong(RANDOM_SEED_BOUND);
    }

    /**
     * Merges the defaults into the absent shared fields and validates them, in field order.
     *
     * @param defaultModel    the mode's default bundle
     * @param defaultSteps    the mode's default numInferenceSteps
     * @param defaultGuidance the mode's default guidanceScale
     * @throws InvalidFieldException naming the first field at fault and its bound
     */
    default Shared resolveShared(String defaultModel, int defaultSteps, double defaultGuidance, T2vConfig.Defaults d,
                                 T2vConfig.Limits limits, LongSupplier randomSeed) {
        String promptV = RequestChecks.length("prompt", RequestChecks.prompt(prompt()), limits.maxPromptChars());
        String negativeV = RequestChecks.length("negativePrompt",
                negativePrompt() != null ? negativePrompt() : d.negativePrompt().orElse(""), limits.maxPromptChars());
        String modelV = RequestChecks.bundleName("model", model() != null ? model() : defaultModel);
        int lengthV = RequestChecks.range("videoLength", videoLength() != null ? videoLength() : d.videoLength(), 1,
                limits.maxVideoLength());
        int stepsV = RequestChecks.range("numInferenceSteps",
                numInferenceSteps() != null ? numInferenceSteps() : defaultSteps, 1, limits.maxSteps());
        double guidanceV = RequestChecks.nonNegative("guidanceScale",
                guidanceScale() != null ? guidanceScale() : defaultGuidance);
        int chunkV = RequestChecks.chunkSize(chunkSize() != null ? chunkSize() : d.chunkSize());
        int fpsV = RequestChecks.range("fps", fps() != null ? fps() : d.fps(), 1, limits.maxFps());
        VideoFormat formatV = RequestChecks.format(format() != null ? format() : d.format());
        double mergingV = RequestChecks.mergingRatio(mergingRatio() != null ? mergingRatio() : d.mergingRatio());
        long seedV = seed() != null ? seed() : randomSeed.getAsLong();
        return new Shared(promptV, negativeV, modelV, lengthV, stepsV, guidanceV, chunkV, seedV, fpsV, formatV,
                mergingV);
    }
}
