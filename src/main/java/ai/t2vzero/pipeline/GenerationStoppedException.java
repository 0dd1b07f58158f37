package ai.t2vzero.pipeline;

/**
 * Thrown by a {@link GenerationListener} to stop a running generation; the engine frees what the run allocated and
 * rethrows it unchanged, so the caller sees why it stopped.
 */
public class GenerationStoppedException extends RuntimeException {

    /** Why a run was stopped. */
    public enum Reason { CANCELED, TIMEOUT }

    private final Reason reason;

    public GenerationStoppedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
