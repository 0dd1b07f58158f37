package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;

/**
 * Receives named intermediates of a pipeline run (the reference's names: {@code x_1_t1}, {@code loop2_step_latents},
 * ...). The array is only valid during the call: a recorder must copy what it keeps. Production runs use
 * {@link #NONE}; parity tests record everything.
 */
@FunctionalInterface
public interface PipelineTrace {

    PipelineTrace NONE = (name, value) -> { };

    void record(String name, NDArray value);

    default boolean enabled() {
        return this != NONE;
    }
}
