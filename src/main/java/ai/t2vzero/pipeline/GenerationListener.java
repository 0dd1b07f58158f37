package ai.t2vzero.pipeline;

import java.util.List;

/**
 * Watches one generation as the engine runs it, and may stop it (cancellation, deadline). Called on the generating
 * thread. The engine calls {@link #onPlan} once before any work, then {@link #onStep} after every unit of work of a
 * stage (a UNet pass of a denoising loop, one text encoding, one VAE decode of a chunk...). A listener stops the run
 * by throwing {@link GenerationStoppedException} from either method; the engine then frees everything the run has
 * allocated (every NDArray, every scheduler copy) and lets the exception through.
 */
public interface GenerationListener {

    /** Listens to nothing, never stops a run. */
    GenerationListener NONE = (stage, step, steps) -> { };

    /**
     * Every stage this run will go through, in order, with its number of units (a stage that repeats per chunk is
     * listed once with the units of all chunks together), so that a caller can turn steps into one fraction of the
     * whole job that only grows.
     */
    default void onPlan(List<StagePlan> plan) {
    }

    /**
     * A unit of {@code stage} has completed: {@code step} in [1, steps] counts the stage's units done so far, over
     * all chunks; {@code steps} is the stage's total from the plan.
     */
    void onStep(String stage, int step, int steps);

    /** One stage of the plan: its name (as the stage timer names it) and how many units it has. */
    record StagePlan(String stage, int units) {
    }
}
