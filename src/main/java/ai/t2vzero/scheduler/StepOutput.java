package ai.t2vzero.scheduler;

import ai.djl.ndarray.NDArray;

/**
 * The result of one {@link Scheduler#step}.
 *
 * @param prevSample         x_{t-1}: the sample to feed to the next step
 * @param predOriginalSample the predicted denoised sample x_0 of this step, or null where the algorithm has none
 *                           (PNDM)
 */
public record StepOutput(NDArray prevSample, NDArray predOriginalSample) {}
