package ai.t2vzero.pipeline;

import ai.djl.ndarray.NDArray;
import ai.t2vzero.model.nn.AttnProcessors;

/**
 * How a mode predicts the noise of one denoising step of a chunk: the part of the loop that differs per mode (UNet;
 * UNet + ControlNet residuals; UNet on [latents, image latents] with three-way guidance). The engine hands it the
 * chunk's latents already scaled by the scheduler and takes back the guided prediction; the mode duplicates the
 * batch for its guidance groups itself.
 */
@FunctionalInterface
interface NoisePredictor {

    /**
     * @param scaled {@code scheduler.scaleModelInput(x_t, t)}, [m, C, h, w]
     * @param t      the timestep, a value of the scheduler's own schedule (integral or not)
     * @param unet   the UNet's attention processors for this step: the run's (cross-frame or plain) with this step's
     *               token merging; a ControlNet takes {@link DenoisingEngine#processors()} (tomesd patches the UNet only)
     * @return the guided noise prediction [m, C, h, w]
     */
    NDArray predict(NDArray scaled, double t, AttnProcessors unet);
}
