package ai.t2vzero.function;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

import ai.t2vzero.config.T2vConfig;
import ai.t2vzero.pipeline.TextToVideoParams;
import ai.t2vzero.pipeline.TextToVideoParams.SchedulerName;
import ai.t2vzero.video.VideoFormat;

/**
 * Body of {@code text-to-video} (plain JSON, or the {@code data} of a CloudEvent). Only {@code prompt} is
 * required; every other field falls back to {@code t2v.defaults.*}. Names are the camelCase forms of
 * diffusers' {@code TextToVideoZeroPipeline.__call__} arguments. {@link #resolve} is the one place that
 * merges defaults and validates.
 *
 * @param seed any 64-bit value; absent means a random seed in [0, 2^53) (exact in JavaScript), echoed in the answer
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
        String format) {

    /** Model names are folder names under t2v.models.dir: no separators, no leading dot, no "..". */
    static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    /** Largest seed drawn at random, exclusive: 2^53, so that JSON clients in JavaScript echo it exactly. */
    static final long RANDOM_SEED_BOUND = 1L << 53;

    /** A request with only a prompt: every other field takes its default. */
    public static TextToVideoRequest ofPrompt(String prompt) {
        return new TextToVideoRequest(prompt, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null);
    }

    /** Merges {@code config}'s defaults into the absent fields, validates, and draws a seed when none was given. */
    public TextToVideoParams resolve(T2vConfig config) {
        return resolve(config.defaults(), config.limits(),
                () -> ThreadLocalRandom.current().nextLong(RANDOM_SEED_BOUND));
    }

    /**
     * Merges defaults into the absent fields and validates every value against {@code limits}.
     *
     * @throws InvalidFieldException naming the first field at fault and its bound
     */
    public TextToVideoParams resolve(T2vConfig.Defaults d, T2vConfig.Limits limits, LongSupplier randomSeed) {
        // 1. merge: request value, else the configured default
        String promptV = prompt;
        String negativePromptV = negativePrompt != null ? negativePrompt : d.negativePrompt().orElse("");
        String modelV = model != null ? model : d.model();
        int videoLengthV = videoLength != null ? videoLength : d.videoLength();
        // 0 = the bundle's native size, resolved when the bundle is loaded (TextToVideoParams#withNativeSize)
        int heightV = height != null ? height : d.height().orElse(0);
        int widthV = width != null ? width : d.width().orElse(0);
        int stepsV = numInferenceSteps != null ? numInferenceSteps : d.numInferenceSteps();
        double guidanceV = guidanceScale != null ? guidanceScale : d.guidanceScale();
        double motionXV = motionFieldStrengthX != null ? motionFieldStrengthX : d.motionFieldStrengthX();
        double motionYV = motionFieldStrengthY != null ? motionFieldStrengthY : d.motionFieldStrengthY();
        int t0V = t0 != null ? t0 : d.t0();
        int t1V = t1 != null ? t1 : d.t1();
        double etaV = eta != null ? eta : d.eta();
        int chunkSizeV = chunkSize != null ? chunkSize : d.chunkSize();
        String schedulerV = scheduler != null ? scheduler : d.scheduler();
        int fpsV = fps != null ? fps : d.fps();
        String formatV = format != null ? format : d.format();

        // 2. validate, in field order
        if (promptV == null || promptV.isBlank()) {
            throw new InvalidFieldException("prompt", "prompt must not be blank");
        }
        checkPromptLength("prompt", promptV, limits.maxPromptChars());
        checkPromptLength("negativePrompt", negativePromptV, limits.maxPromptChars());
        checkModelName("model", modelV);
        checkRange("videoLength", videoLengthV, 1, limits.maxVideoLength());
        if (heightV != 0 || height != null) {
            checkFrameSize("height", heightV, limits.maxHeight());
        }
        if (widthV != 0 || width != null) {
            checkFrameSize("width", widthV, limits.maxWidth());
        }
        checkRange("numInferenceSteps", stepsV, 1, limits.maxSteps());
        checkFinite("guidanceScale", guidanceV);
        if (guidanceV < 0) {
            throw new InvalidFieldException("guidanceScale", "guidanceScale must be >= 0 (got " + guidanceV + ")");
        }
        checkFinite("motionFieldStrengthX", motionXV);
        checkFinite("motionFieldStrengthY", motionYV);
        if (t0V < 0) {
            throw new InvalidFieldException("t0", "t0 must be >= 0 (got " + t0V + ")");
        }
        if (t0V >= t1V) {
            throw new InvalidFieldException("t0", "t0 must be < t1 (got t0=" + t0V + ", t1=" + t1V + ")");
        }
        if (t1V >= stepsV) {
            // t0 and t1 index the scheduler's timesteps from the end: timesteps[-t1 - 1] must exist
            throw new InvalidFieldException("t1",
                    "t1 must be < numInferenceSteps (got t1=" + t1V + ", numInferenceSteps=" + stepsV + ")");
        }
        checkFinite("eta", etaV);
        if (etaV < 0 || etaV > 1) {
            throw new InvalidFieldException("eta", "eta must be in [0, 1] (got " + etaV + ")");
        }
        if (chunkSizeV < 2) {
            throw new InvalidFieldException("chunkSize", "chunkSize must be >= 2 (got " + chunkSizeV + ")");
        }
        SchedulerName schedulerName = SchedulerName.parse(schedulerV).orElseThrow(() -> new InvalidFieldException(
                "scheduler", "scheduler must be one of ddim, pndm (got \"" + schedulerV + "\")"));
        checkRange("fps", fpsV, 1, 60);
        VideoFormat videoFormat;
        try {
            videoFormat = VideoFormat.parse(formatV);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("format", "format must be one of mp4, gif (got \"" + formatV + "\")");
        }

        long seedV = seed != null ? seed : randomSeed.getAsLong();
        return new TextToVideoParams(promptV, negativePromptV, modelV, videoLengthV, heightV, widthV, stepsV,
                guidanceV, motionXV, motionYV, t0V, t1V, etaV, chunkSizeV, seedV, schedulerName, videoFormat, fpsV);
    }

    static void checkModelName(String field, String name) {
        if (!MODEL_NAME.matcher(name).matches() || name.startsWith(".") || name.contains("..")) {
            throw new InvalidFieldException(field, field + " must be a bundle name of 1 to 128 characters from"
                    + " [A-Za-z0-9._-], not starting with '.' and without \"..\" (got \"" + name + "\")");
        }
    }

    /**
     * CLIP reads 77 tokens (a few hundred characters) of a prompt: longer text is refused before it reaches the
     * tokenizer inside the job slot (the request body may be 10 MiB).
     */
    static void checkPromptLength(String field, String value, int maxChars) {
        if (value != null && value.length() > maxChars) {
            throw new InvalidFieldException(field, field + " must be at most " + maxChars + " characters (got "
                    + value.length() + "; the text encoder reads only its first 77 tokens)");
        }
    }

    static void checkRange(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new InvalidFieldException(field,
                    field + " must be in [" + min + ", " + max + "] (got " + value + ")");
        }
    }

    static void checkFrameSize(String field, int value, int max) {
        if (value <= 0) {
            throw new InvalidFieldException(field, field + " must be > 0 (got " + value + ")");
        }
        if (value % 8 != 0) {
            throw new InvalidFieldException(field, field + " must be a multiple of 8 (got " + value + ")");
        }
        if (value > max) {
            throw new InvalidFieldException(field, field + " must be <= " + max + " (got " + value + ")");
        }
    }

    static void checkFinite(String field, double value) {
        if (!Double.isFinite(value)) {
            throw new InvalidFieldException(field, field + " must be a finite number (got " + value + ")");
        }
    }
}
