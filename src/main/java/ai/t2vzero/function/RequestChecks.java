package ai.t2vzero.function;

import ai.t2vzero.bundle.BundleNames;
import ai.t2vzero.errors.InvalidFieldException;
import ai.t2vzero.pipeline.VideoChunker;
import ai.t2vzero.video.VideoFormat;

/**
 * The checks of request values, each naming the field and the bound ({@code "t0 must be < t1 (got t0=47, t1=44)"}),
 * shared by the four request types. Every check throws {@link InvalidFieldException}.
 */
final class RequestChecks {

    private RequestChecks() {}

    /**
     * At most {@code maxChars} characters: CLIP reads 77 tokens (a few hundred characters) of a prompt, so longer text
     * is refused before it reaches the tokenizer inside the job slot (the request body may be 10 MiB).
     */
    static String length(String field, String value, int maxChars) {
        if (value != null && value.length() > maxChars) {
            throw new InvalidFieldException(field, field + " must be at most " + maxChars + " characters (got "
                    + value.length() + "; the text encoder reads only its first 77 tokens)");
        }
        return value;
    }

    static String prompt(String prompt) {
        if (prompt == null || prompt.isBlank()) {
            throw new InvalidFieldException("prompt", "prompt must not be blank");
        }
        return prompt;
    }

    static String bundleName(String field, String name) {
        BundleNames.check(field, name);
        return name;
    }

    static int range(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new InvalidFieldException(field, field + " must be in [" + min + ", " + max + "] (got " + value + ")");
        }
        return value;
    }

    static int frameSize(String field, int value, int max) {
        if (value <= 0) {
            throw new InvalidFieldException(field, field + " must be > 0 (got " + value + ")");
        }
        if (value % 8 != 0) {
            throw new InvalidFieldException(field, field + " must be a multiple of 8 (got " + value + ")");
        }
        if (value > max) {
            throw new InvalidFieldException(field, field + " must be <= " + max + " (got " + value + ")");
        }
        return value;
    }

    static double finite(String field, double value) {
        if (!Double.isFinite(value)) {
            throw new InvalidFieldException(field, field + " must be a finite number (got " + value + ")");
        }
        return value;
    }

    static double nonNegative(String field, double value) {
        finite(field, value);
        if (value < 0) {
            throw new InvalidFieldException(field, field + " must be >= 0 (got " + value + ")");
        }
        return value;
    }

    /** DDIM's eta, in [0, 1]. */
    static double eta(double eta) {
        finite("eta", eta);
        if (eta < 0 || eta > 1) {
            throw new InvalidFieldException("eta", "eta must be in [0, 1] (got " + eta + ")");
        }
        return eta;
    }

    /**
     * Token merging's ratio, in [0, 1) as the original app's slider (0 to 0.9): tomesd merges int(N * ratio) tokens
     * of a block, at most its src tokens (3/4 with 2 x 2 cells), so 0.75 and above merge the same.
     */
    static double mergingRatio(double ratio) {
        finite("mergingRatio", ratio);
        if (ratio < 0 || ratio >= 1) {
            throw new InvalidFieldException("mergingRatio", "mergingRatio must be >= 0 and < 1 (got " + ratio + ")");
        }
        return ratio;
    }

    /** Frame 0 plus at least one more frame per chunk. */
    static int chunkSize(int chunkSize) {
        if (chunkSize < VideoChunker.MIN_CHUNK_SIZE) {
            throw new InvalidFieldException("chunkSize", "chunkSize must be >= " + VideoChunker.MIN_CHUNK_SIZE
                    + " (got " + chunkSize + ")");
        }
        return chunkSize;
    }

    static VideoFormat format(String format) {
        try {
            return VideoFormat.parse(format);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("format", "format must be one of mp4, gif (got \"" + format + "\")");
        }
    }
}
