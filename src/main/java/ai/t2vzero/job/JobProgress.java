package ai.t2vzero.job;

/**
 * How far a job got.
 *
 * @param stage      the stage that reported last (text_encoder, first_frame, denoise, vae_decode, encode, store...),
 *                   or null before the first one
 * @param step       units of that stage done, over all chunks
 * @param steps      units of that stage in the whole job
 * @param fraction   of the whole job done, in [0, 1]; never decreases
 * @param etaSeconds estimated seconds left (from the time per fraction so far), or null before any progress
 */
public record JobProgress(String stage, int step, int steps, double fraction, Double etaSeconds) {

    static final JobProgress NONE = new JobProgress(null, 0, 0, 0.0, null);

    JobProgress done() {
        return new JobProgress(stage, step, steps, 1.0, 0.0);
    }
}
